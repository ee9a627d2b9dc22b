package handcrafted

import (
	"math/rand"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/testenv"
)

// BenchmarkHOGBinningGrad times orientation binning with spatial pooling,
// forward and input gradient, on a 500×333 image, and reports GFLOP/s
// counting the arithmetic of VLFeat's rule (norm, 9 projections, 4 cells)
// at about 60 operations per pixel each way.
func BenchmarkHOGBinningGrad(b *testing.B) {
	const h, w = 333, 500
	rng := rand.New(rand.NewSource(1))
	x := graph.NewTensor(1, 2, h, w)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	rows, nr := hogAxis(h, 8)
	cols, nc := hogAxis(w, 8)
	k := newHistogram(newBinning(18, false, false), rows, cols, nr, nc)
	g := graph.New()
	in, _ := g.Input("g", x.Shape...)
	y, err := graph.Apply(k, in)
	if err != nil {
		b.Fatal(err)
	}
	r := graph.NewTensor(y.Shape()...)
	for i := range r.Data {
		r.Data[i] = float32(rng.NormFloat64())
	}
	loss, _ := graph.Dot(y, r)
	p, err := g.Compile(loss)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	testenv.Loop(b, 2*60*h*w, func() error { return p.Run(x) })
}
