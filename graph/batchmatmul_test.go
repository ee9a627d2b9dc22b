package graph

import (
	"fmt"
	"math/rand"
	"testing"
)

func TestBatchMatMul(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, c := range []struct{ a, b []int }{
		{[]int{1, 3, 5, 4}, []int{1, 3, 4, 7}}, // attention: one product per head
		{[]int{2, 3, 5, 4}, []int{4, 6}},       // shared right operand
		{[]int{3, 1, 8, 4}, []int{2, 4, 7}},    // batch axes broadcast both ways
		{[]int{7, 9}, []int{2, 9, 6}},          // shared left operand
	} {
		out, err := batchMatMul{}.OutShape([][]int{c.a, c.b})
		if err != nil {
			t.Fatal(err)
		}
		m, k, n, offA, offB := batchMatMul{}.plan(c.a, c.b, out)
		for side := 0; side < 2; side++ {
			other := randTensor(rng, c.b...)
			liveShape := c.a
			if side == 1 {
				other = randTensor(rng, c.a...)
				liveShape = c.b
			}
			ref := func(x []float64) []float64 {
				a, b := x, make([]float64, len(other.Data))
				for i, v := range other.Data {
					b[i] = float64(v)
				}
				if side == 1 {
					a, b = b, a
				}
				y := make([]float64, Numel(out))
				for bi := range offA {
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							s := 0.0
							for l := 0; l < k; l++ {
								s += a[offA[bi]+i*k+l] * b[offB[bi]+l*n+j]
							}
							y[bi*m*n+i*n+j] = s
						}
					}
				}
				return y
			}
			runOpCase(t, opCase{name: fmt.Sprintf("%v×%v/live%d", c.a, c.b, side), in: liveShape, ref: ref,
				build: func(x *Node) (*Node, error) {
					if side == 0 {
						return BatchMatMul(x, x.graph.Const(other))
					}
					return BatchMatMul(x.graph.Const(other), x)
				}})
		}
	}
}
