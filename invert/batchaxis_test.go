package invert

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestBatchAxisMoved: a representation that moves the batch off the first
// axis (a Transpose of batch and channels, as a model that reshapes
// channels into the batch does) is one image's features at a batch of 1,
// with one relative error, not one per channel; with a batch of 2 the
// images cannot be told apart, and the run is refused.
func TestBatchAxisMoved(t *testing.T) {
	transposed := func(perm []int) Representation {
		return RepresentationFunc(func(shape []int) (*graph.Graph, *graph.Node, error) {
			g := graph.New()
			x, err := g.Input("x", shape...)
			if err != nil {
				return nil, nil, err
			}
			y, err := graph.Transpose(x, perm)
			return g, y, err
		})
	}
	rep := transposed([]int{1, 0, 2, 3})
	x0 := graph.NewTensor(1, 3, 8, 8)
	for i := range x0.Data {
		x0.Data[i] = float32(i%13) - 6
	}
	ctx := context.Background()
	res, err := Reconstruct(ctx, rep, x0, Options{Iters: 30, TV: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// The same values in another order: the same run as the identity's.
	same, err := Reconstruct(ctx, transposed([]int{0, 1, 2, 3}), x0, Options{Iters: 30, TV: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.RelErr) != 1 || math.Abs(res.RelErr[0]-same.RelErr[0]) > 1e-9*same.RelErr[0] {
		t.Fatalf("relative errors %v, want the identity's %v", res.RelErr, same.RelErr)
	}
	_, err = Reconstruct(ctx, rep, x0, Options{Iters: 30, TV: 0.5, Repeats: 2})
	if err == nil || !strings.Contains(err.Error(), "not the batch") {
		t.Errorf("a batch of 2 through a moved batch axis: %v", err)
	}
}

// TestTermsRefuseWhatTheyCannotMean: a neuron position on a layer without
// positions (logits:5@100,100 on [1,1000]) and an alignment of one image
// (identically 0) are refused when built; the centre of a vector layer,
// and alignment of two images, build.
func TestTermsRefuseWhatTheyCannotMean(t *testing.T) {
	build := func(term LayerTerm, shape ...int) error {
		g := graph.New()
		x, err := g.Input("x", shape...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = term.BuildLayers(x, map[string]*graph.Node{"l": x})
		return err
	}
	if err := build(Neuron{Layer: "l", C: 5, X: 100, Y: 100}, 1, 1000); err == nil || !strings.Contains(err.Error(), "no positions") {
		t.Errorf("a position on [1,1000]: %v", err)
	}
	if err := build(Neuron{Layer: "l", C: 5, X: -1, Y: -1}, 1, 1000); err != nil {
		t.Errorf("the centre of [1,1000]: %v", err)
	}
	if err := build(Alignment{Layer: "l"}, 1, 4, 3, 3); err == nil || !strings.Contains(err.Error(), "batch of 2 or more") {
		t.Errorf("align on one image: %v", err)
	}
	if err := build(Alignment{Layer: "l"}, 2, 4, 3, 3); err != nil {
		t.Errorf("align on two images: %v", err)
	}
}
