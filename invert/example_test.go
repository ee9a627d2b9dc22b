package invert_test

import (
	"context"
	"fmt"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/invert"
)

// A representation is anything that builds a feature node from an image
// variable: here one average-pooling layer, which keeps only 4×4 block means.
func ExampleInvert() {
	rep := invert.RepresentationFunc(func(shape []int) (*graph.Graph, *graph.Node, error) {
		g := graph.New()
		x, err := g.Input("image", shape...)
		if err != nil {
			return nil, nil, err
		}
		phi, err := graph.AveragePool(x, graph.PoolParams{Kernel: [2]int{4, 4}, Strides: [2]int{4, 4}})
		return g, phi, err
	})
	x0 := graph.NewTensor(1, 3, 64, 64) // an image in paper units (mean removed)
	for i := range x0.Data {
		x0.Data[i] = float32(i%64) - 32
	}
	target, _ := invert.Features(rep, x0)
	sched, _ := invert.CNNSchedule.Scaled(100)
	res, err := invert.Invert(context.Background(), rep, target, invert.Options{
		ImageShape: []int{3, 64, 64},
		TV:         0.5, // the paper's λ_Vβ
		Schedule:   sched,
		Repeats:    2,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Images.Shape, len(res.RelErr), res.RelErr[0] < 0.01)
	// Output: [2 3 64 64] 2 true
}
