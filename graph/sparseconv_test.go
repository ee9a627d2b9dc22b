package graph

import (
	"math"
	"math/rand"
	"testing"
)

// TestSparseConv checks the sparse-weight path against the dense one, both
// passes, on weights with one non-zero in twenty, over strides, pads,
// dilations and groups, and on HOG's block stacking (whose first taps set
// whole output planes) and decomposition (whose gradient sets whole input
// planes).
func TestSparseConv(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, tc := range []struct {
		x, w []int
		p    ConvParams
		// taps, if set, places the weights: (o, c, i, j) for each.
		taps [][4]int
		sets bool // the gradient sets the input planes
	}{
		{x: []int{1, 18, 9, 13}, w: []int{108, 18, 2, 2}},
		{x: []int{2, 8, 10, 11}, w: []int{27, 8, 2, 2}, p: ConvParams{Pads: [4]int{1, 1, 1, 1}}, sets: true},
		{x: []int{1, 6, 12, 12}, w: []int{8, 3, 3, 3}, p: ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 0, 2, 1}, Group: 2}},
		{x: []int{1, 4, 11, 40}, w: []int{6, 4, 3, 3}, p: ConvParams{Dilations: [2]int{2, 1}, Pads: [4]int{2, 1, 2, 1}}},
		{x: []int{2, 4, 7, 9}, w: []int{12, 4, 2, 2}, taps: [][4]int{{0, 0, 0, 0}, {1, 1, 0, 1}, {2, 2, 1, 0}, {3, 3, 1, 1},
			{4, 0, 1, 1}, {4, 1, 1, 1}, {5, 2, 0, 0}, {6, 3, 0, 1}, {7, 0, 1, 0}, {8, 1, 0, 0}, {9, 2, 1, 1}, {10, 3, 1, 0}, {11, 0, 0, 1}}},
		{x: []int{2, 8, 6, 7}, w: []int{2, 8, 2, 2}, p: ConvParams{Pads: [4]int{1, 1, 1, 1}}, sets: true,
			taps: [][4]int{{0, 0, 0, 0}, {0, 1, 0, 1}, {0, 2, 1, 0}, {0, 3, 1, 1}, {1, 4, 1, 1}, {1, 5, 1, 0}, {1, 6, 0, 1}, {1, 7, 0, 0}}},
	} {
		w := NewTensor(tc.w...)
		for i := range w.Data {
			if tc.taps == nil && rng.Intn(20) == 0 {
				w.Data[i] = float32(rng.NormFloat64())
			}
		}
		for _, tap := range tc.taps {
			w.Data[((tap[0]*tc.w[1]+tap[1])*2+tap[2])*2+tap[3]] = 0.5 + float32(rng.Intn(3))
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
		if sparse.sparse.sets = sparse.setsGrad(sparse.geom(x.Shape, w.Shape, shape)); sparse.sparse.sets != tc.sets {
			t.Fatalf("%v %v: gradient sets its planes: %v, want %v", tc.w, tc.p, sparse.sparse.sets, tc.sets)
		}
		bias := randTensor(rng, tc.w[0])
		gy := randTensor(rng, shape...)
		var outs, grads [2]*Tensor
		for i, k := range []conv{sparse, dense} {
			outs[i], grads[i] = NewTensor(shape...), NewTensor(x.Shape...)
			for j := range outs[i].Data {
				outs[i].Data[j] = 123 // the forward pass must overwrite
			}
			if k.Overwrites(true, 0) {
				for j := range grads[i].Data {
					grads[i].Data[j] = 123 // and here the backward pass
				}
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
