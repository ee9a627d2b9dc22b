package graph

import (
	"math/rand"
	"slices"
	"testing"
)

// TestConcatPieces joins inputs along axis 1 of two outer blocks, some of
// them longer than a copy piece, and checks the output and each input's
// gradient against plain slicing.
func TestConcatPieces(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	shapes := [][]int{{2, 3, 70, 100}, {2, 1, 70, 100}, {2, 4, 70, 100}}
	var in []*Tensor
	for _, s := range shapes {
		in = append(in, randTensor(rng, s...))
	}
	k := concat{axis: 1}
	var shape [][]int
	for _, t := range in {
		shape = append(shape, t.Shape)
	}
	os, err := k.OutShape(shape)
	if err != nil {
		t.Fatal(err)
	}
	out := NewTensor(os...)
	k.Forward(in, out)
	var want []float32
	for b := 0; b < 2; b++ {
		for _, x := range in {
			n := len(x.Data) / 2
			want = append(want, x.Data[b*n:(b+1)*n]...)
		}
	}
	if !slices.Equal(out.Data, want) {
		t.Fatal("forward: the output is not the inputs' blocks in order")
	}
	for i, x := range in {
		g := NewTensor(x.Shape...)
		k.Backward(i, in, out, out, g)
		if !slices.Equal(g.Data, x.Data) {
			t.Fatalf("input %d: the gradient of the identity is not the input", i)
		}
	}
}
