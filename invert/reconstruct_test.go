package invert

import (
	"context"
	"slices"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestReconstructBuildsOnce: Reconstruct measures Φ(x0) with the program it
// optimises, so the representation is built once, and its run is the one
// Features + Invert give (the same target, images and errors to the bit),
// also for a batch of repeats and a mask made from the features' shape.
func TestReconstructBuildsOnce(t *testing.T) {
	inner := tinyNet(5)
	builds := 0
	rep := RepresentationFunc(func(shape []int) (*graph.Graph, *graph.Node, error) {
		builds++
		return inner.Build(shape)
	})
	x0 := smoothImage(3, 112, 112)
	sched, err := CNNSchedule.Scaled(30)
	if err != nil {
		t.Fatal(err)
	}
	var maskShape []int
	maskFor := func(shape []int) (*graph.Tensor, error) {
		maskShape = shape
		return ChannelMask(shape, 2, 6)
	}
	opts := Options{TV: 5, Repeats: 2, Seed: 4, Schedule: sched, MaskFor: maskFor}
	got, err := Reconstruct(context.Background(), rep, x0, opts)
	if err != nil {
		t.Fatal(err)
	}
	if builds != 1 {
		t.Errorf("the representation was built %d times, want once", builds)
	}
	if !slices.Equal(maskShape, []int{1, 8, 112, 112}) {
		t.Errorf("MaskFor got %v, want [1 8 112 112]", maskShape)
	}

	target, err := Features(inner, x0)
	if err != nil {
		t.Fatal(err)
	}
	mask, _ := ChannelMask(target.Shape, 2, 6)
	opts.MaskFor, opts.Mask, opts.ImageShape = nil, mask, x0.Shape[1:]
	want, err := Invert(context.Background(), inner, target, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Target.Data, target.Data) || !slices.Equal(got.Target.Shape, target.Shape) {
		t.Error("the measured target differs from Features'")
	}
	if !slices.Equal(got.Images.Data, want.Images.Data) {
		t.Error("the images differ from Features + Invert's")
	}
	if !slices.Equal(got.RelErr, want.RelErr) || len(got.History) != len(want.History) {
		t.Errorf("errors %v, want %v", got.RelErr, want.RelErr)
	}
}

func TestReconstructRefuses(t *testing.T) {
	rep := tinyNet(5)
	ctx := context.Background()
	if _, err := Reconstruct(ctx, rep, graph.NewTensor(3, 8, 8), Options{}); err == nil {
		t.Error("a [C,H,W] x0 was taken")
	}
	if _, err := Reconstruct(ctx, rep, graph.NewTensor(1, 3, 8, 8), Options{ImageShape: []int{3, 9, 9}}); err == nil {
		t.Error("an x0 that does not fit ImageShape was taken")
	}
	// A black image has all-zero features (the convolution has no bias):
	// the normalised loss is undefined, and said so.
	if _, err := Reconstruct(ctx, rep, graph.NewTensor(1, 3, 8, 8), Options{}); err == nil {
		t.Error("all-zero features were taken")
	}
}
