package graph

import (
	"math"
	"math/rand"
	"testing"
)

// TestSparseConv checks the sparse-weight path against the dense one, both
// passes, on weights with one non-zero in twenty, over strides, pads,
// dilations and groups.
func TestSparseConv(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, tc := range []struct {
		x, w []int
		p    ConvParams
	}{
		{[]int{1, 18, 9, 13}, []int{108, 18, 2, 2}, ConvParams{}},
		{[]int{2, 8, 10, 11}, []int{27, 8, 2, 2}, ConvParams{Pads: [4]int{1, 1, 1, 1}}},
		{[]int{1, 6, 12, 12}, []int{8, 3, 3, 3}, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 0, 2, 1}, Group: 2}},
		{[]int{1, 4, 11, 40}, []int{6, 4, 3, 3}, ConvParams{Dilations: [2]int{2, 1}, Pads: [4]int{2, 1, 2, 1}}},
	} {
		w := NewTensor(tc.w...)
		for i := range w.Data {
			if rng.Intn(20) == 0 {
				w.Data[i] = float32(rng.NormFloat64())
			}
		}
		w.Data[0] = 1 // at least one
		p := tc.p.withDefaults()
		sparse := conv{p: p, sparse: sparseTaps(w, tc.x[1], p.Group)}
		if sparse.sparse == nil {
			t.Fatalf("%v: weights not taken as sparse", tc.w)
		}
		dense := conv{p: p}
		x := randTensor(rng, tc.x...)
		shape, err := dense.OutShape([][]int{x.Shape, w.Shape})
		if err != nil {
			t.Fatal(err)
		}
		bias := randTensor(rng, tc.w[0])
		gy := randTensor(rng, shape...)
		var outs, grads [2]*Tensor
		for i, k := range []conv{sparse, dense} {
			outs[i], grads[i] = NewTensor(shape...), NewTensor(x.Shape...)
			for j := range outs[i].Data {
				outs[i].Data[j] = 123 // the forward pass must overwrite
			}
			k.Forward([]*Tensor{x, w, bias}, outs[i])
			k.Backward(0, []*Tensor{x, w, bias}, outs[i], gy, grads[i])
		}
		for _, pair := range [][2]*Tensor{outs, grads} {
			for j := range pair[0].Data {
				if d := math.Abs(float64(pair[0].Data[j] - pair[1].Data[j])); d > 1e-5 {
					t.Fatalf("%v %v: sparse %g, dense %g at %d", tc.w, tc.p, pair[0].Data[j], pair[1].Data[j], j)
				}
			}
		}
	}
}
