package graph

import (
	"math"
	"math/rand"
	"testing"
)

// standardizeRef normalises runs of n (weights indexed as the kernel's doc says).
func standardizeRef(n, groups, plane int, scale, shift []float32, eps float64) func([]float64) []float64 {
	return func(x []float64) []float64 {
		y := make([]float64, len(x))
		for run := 0; run*n < len(x); run++ {
			xs := x[run*n : (run+1)*n]
			m, v := 0.0, 0.0
			for _, a := range xs {
				m += a
			}
			m /= float64(n)
			for _, a := range xs {
				v += (a - m) * (a - m)
			}
			v /= float64(n)
			for r, a := range xs {
				w := (run%groups)*(n/plane) + r/plane
				h := (a - m) / math.Sqrt(v+eps)
				if scale != nil {
					h *= float64(scale[w])
				}
				if shift != nil {
					h += float64(shift[w])
				}
				y[run*n+r] = h
			}
		}
		return y
	}
}

func TestStandardize(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	gamma, beta := randTensor(rng, 8), randTensor(rng, 8)
	runOpCase(t, opCase{name: "LayerNorm/last", in: []int{2, 5, 8}, ref: standardizeRef(8, 1, 1, gamma.Data, beta.Data, 1e-5),
		build: func(x *Node) (*Node, error) {
			return LayerNorm(x, -1, x.graph.Const(gamma), x.graph.Const(beta), 1e-5)
		}})
	gw, bw := randTensor(rng, 40), randTensor(rng, 40)
	runOpCase(t, opCase{name: "LayerNorm/vector-path", in: []int{3, 40}, ref: standardizeRef(40, 1, 1, gw.Data, bw.Data, 1e-6),
		input: func(rng *rand.Rand, x *Tensor) {
			for i := range x.Data {
				x.Data[i] += 3 // an offset the shifted sums must not lose
			}
		},
		build: func(x *Node) (*Node, error) {
			return LayerNorm(x, -1, x.graph.Const(gw), x.graph.Const(bw), 1e-6)
		}})
	g2 := randTensor(rng, 5, 8)
	runOpCase(t, opCase{name: "LayerNorm/two-axes-no-shift", in: []int{2, 5, 8}, ref: standardizeRef(40, 1, 1, g2.Data, nil, 1e-6),
		build: func(x *Node) (*Node, error) { return LayerNorm(x, 1, x.graph.Const(g2), nil, 1e-6) }})
	runOpCase(t, opCase{name: "LayerNorm/plain", in: []int{3, 6}, ref: standardizeRef(6, 1, 1, nil, nil, 1e-5),
		build: func(x *Node) (*Node, error) { return LayerNorm(x, 1, nil, nil, 1e-5) }})
	runOpCase(t, opCase{name: "LayerNorm/shift-only", in: []int{3, 8}, ref: standardizeRef(8, 1, 1, nil, beta.Data, 1e-5),
		build: func(x *Node) (*Node, error) { return LayerNorm(x, 1, nil, x.graph.Const(beta), 1e-5) }})
	gc, bc := randTensor(rng, 6), randTensor(rng, 6)
	runOpCase(t, opCase{name: "GroupNorm/3", in: []int{2, 6, 2, 3}, ref: standardizeRef(12, 3, 6, gc.Data, bc.Data, 1e-5),
		build: func(x *Node) (*Node, error) { return GroupNorm(x, 3, x.graph.Const(gc), x.graph.Const(bc), 1e-5) }})
	runOpCase(t, opCase{name: "InstanceNorm", in: []int{2, 6, 2, 3}, ref: standardizeRef(6, 6, 6, gc.Data, bc.Data, 1e-5),
		build: func(x *Node) (*Node, error) { return GroupNorm(x, 6, x.graph.Const(gc), x.graph.Const(bc), 1e-5) }})
}
