package graph

import (
	"math/rand"
	"testing"
)

func TestMatMul(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, c := range []struct {
		name   string
		a, b   []int
		ta, tb bool
	}{
		{"NN", []int{3, 4}, []int{4, 5}, false, false},
		{"NT", []int{3, 4}, []int{5, 4}, false, true},
		{"TN", []int{4, 3}, []int{4, 5}, true, false},
		{"TT", []int{4, 3}, []int{5, 4}, true, true},
	} {
		w := randTensor(rng, c.b...)
		at := func(x []float64, i, k int) float64 {
			if c.ta {
				return x[k*c.a[1]+i]
			}
			return x[i*c.a[1]+k]
		}
		bt := func(k, j int) float64 {
			if c.tb {
				return float64(w.Data[j*c.b[1]+k])
			}
			return float64(w.Data[k*c.b[1]+j])
		}
		m, kk := c.a[0], c.a[1]
		if c.ta {
			m, kk = kk, m
		}
		n := c.b[1]
		if c.tb {
			n = c.b[0]
		}
		runOpCase(t, opCase{name: "MatMul/" + c.name + "/A", in: c.a,
			build: func(x *Node) (*Node, error) { return MatMul(x, x.graph.Const(w), c.ta, c.tb, 0.5) },
			ref: func(x []float64) []float64 {
				out := make([]float64, m*n)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						for k := 0; k < kk; k++ {
							out[i*n+j] += 0.5 * at(x, i, k) * bt(k, j)
						}
					}
				}
				return out
			}})
	}
	// Gradient with respect to the second operand: x·xᵀ uses both paths.
	runOpCase(t, opCase{name: "MatMul/both", in: []int{3, 2},
		build: func(x *Node) (*Node, error) { return MatMul(x, x, false, true, 1) },
		ref: func(x []float64) []float64 {
			out := make([]float64, 9)
			for i := 0; i < 3; i++ {
				for j := 0; j < 3; j++ {
					out[i*3+j] = x[2*i]*x[2*j] + x[2*i+1]*x[2*j+1]
				}
			}
			return out
		}})
}
