package invert_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
)

// A representation is anything that builds a feature node from an image
// variable: here one average-pooling layer, which keeps only 4×4 block means.
var blockMeans = invert.RepresentationFunc(func(shape []int) (*graph.Graph, *graph.Node, error) {
	g := graph.New()
	x, err := g.Input("image", shape...)
	if err != nil {
		return nil, nil, err
	}
	phi, err := graph.AveragePool(x, graph.PoolParams{Kernel: [2]int{4, 4}, Strides: [2]int{4, 4}})
	return g, phi, err
})

// Invert matches a given target Φ0: here the block means of a ramp.
func ExampleInvert() {
	rep := blockMeans
	x0 := ramp()
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

// Reconstruct starts from the photo itself: it builds the representation
// once, measures Φ(x0) with the program it then optimises, and returns the
// target beside the reconstructions. Iters scales the authors' schedule;
// pixels.FromPaper turns a reconstruction back into an image to save.
func ExampleReconstruct() {
	ctx := context.Background()
	rep := blockMeans
	x0 := ramp() // [1,3,64,64] in paper units: pixels 0..255, mean removed
	res, err := invert.Reconstruct(ctx, rep, x0, invert.Options{
		Iters:    100,
		TV:       0.5, // the paper's λ_Vβ
		Progress: func(p invert.Progress) { /* p.Iter, p.Energy, p.Terms */ },
	})
	if err != nil {
		log.Fatal(err)
	}
	img, err := pixels.FromPaper(res.Images, 0, graph.ImageNet.Mean) // the mean added back
	if err != nil {
		log.Fatal(err)
	}
	out := filepath.Join(os.TempDir(), "invrep-example-reconstruction.png")
	defer os.Remove(out)
	if err := pixels.SavePNG(out, img); err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Target.Shape, res.Images.Shape, res.RelErr[0] < 0.01, img.Bounds().Size())
	// Output: [1 3 16 16] [1 3 64 64] true (64,64)
}

// ramp is a 64×64 image in paper units (mean removed).
func ramp() *graph.Tensor {
	x0 := graph.NewTensor(1, 3, 64, 64)
	for i := range x0.Data {
		x0.Data[i] = float32(i%64) - 32
	}
	return x0
}

// Options.Iters sets the number of iterations (the authors' schedule
// scaled), and a Schedule given beside it wins.
func ExampleOptions_iters() {
	last := 0
	opts := invert.Options{Iters: 30, TV: 0.5, Progress: func(p invert.Progress) { last = p.Iters }}
	if _, err := invert.Reconstruct(context.Background(), blockMeans, ramp(), opts); err != nil {
		log.Fatal(err)
	}
	fmt.Println(last)
	opts.Schedule = invert.Schedule{{Iters: 7, LR: 1e-3}}
	if _, err := invert.Reconstruct(context.Background(), blockMeans, ramp(), opts); err != nil {
		log.Fatal(err)
	}
	fmt.Println(last)
	// Output:
	// 30
	// 7
}
