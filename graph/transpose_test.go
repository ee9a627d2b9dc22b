package graph

import (
	"fmt"
	"testing"
)

func TestTranspose(t *testing.T) {
	for _, c := range []struct{ shape, perm []int }{
		{[]int{2, 3, 4, 5}, []int{0, 2, 3, 1}}, // NCHW → NHWC
		{[]int{2, 4, 5, 3}, []int{0, 3, 1, 2}}, // and back
		{[]int{3, 2, 4}, []int{1, 0, 2}},       // attention heads: the last axis stays
		{[]int{1, 2, 3, 2, 2, 3}, []int{0, 1, 4, 2, 5, 3}},
		{[]int{4, 3}, nil}, // reversed
	} {
		perm := c.perm
		if perm == nil {
			perm = []int{1, 0}
		}
		st := strides(c.shape)
		out := make([]int, len(perm))
		for d, p := range perm {
			out[d] = c.shape[p]
		}
		ref := func(x []float64) []float64 {
			y := make([]float64, len(x))
			eachIndex(out, func(o int, at []int) {
				off := 0
				for d, a := range at {
					off += a * st[perm[d]]
				}
				y[o] = x[off]
			})
			return y
		}
		runOpCase(t, opCase{name: fmt.Sprintf("Transpose%v%v", c.shape, c.perm), in: c.shape, ref: ref,
			build: func(x *Node) (*Node, error) { return Transpose(x, c.perm) }})
	}
}
