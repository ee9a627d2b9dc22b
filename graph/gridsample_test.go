package graph

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestGridSampleGradients: GridSample's gradients with respect to the
// image and to the sampling grid, by finite differences (runOpCase), in
// each mode and padding; its values against ONNX's reference are the
// conformance suite's gridsample tests.
func TestGridSampleGradients(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	img := randTensor(rng, 1, 2, 3, 4)
	fixedGrid := NewTensor(1, 3, 5, 2)
	for i := range fixedGrid.Data {
		fixedGrid.Data[i] = float32(rng.Float64()*2.4 - 1.2) // some points outside
	}
	// sample is the op in float64 (the same taps; the forward values are
	// checked against ONNX's reference by the conformance suite): what the
	// finite differences difference.
	sample := func(p GridSampleParams, x, grid []float64) []float64 {
		k := gridSample{p}
		var out []float64
		for c := 0; c < 2; c++ {
			for o := 0; o < 15; o++ {
				ty, tx := k.taps(grid[o*2+1], 3), k.taps(grid[o*2], 4)
				v := 0.0
				for a := 0; a < ty.n; a++ {
					for b := 0; b < tx.n; b++ {
						if ty.idx[a] >= 0 && tx.idx[b] >= 0 {
							v += ty.w[a] * tx.w[b] * x[c*12+ty.idx[a]*4+tx.idx[b]]
						}
					}
				}
				out = append(out, v)
			}
		}
		return out
	}
	img64, grid64 := make([]float64, len(img.Data)), make([]float64, len(fixedGrid.Data))
	for i, v := range img.Data {
		img64[i] = float64(v)
	}
	for i, v := range fixedGrid.Data {
		grid64[i] = float64(v)
	}
	for _, p := range []GridSampleParams{
		{Mode: "bilinear", Padding: "zeros"}, {Mode: "bilinear", Padding: "border", AlignCorners: true},
		{Mode: "bilinear", Padding: "reflection"}, {Mode: "bicubic", Padding: "zeros"}, {Mode: "bicubic", Padding: "reflection", AlignCorners: true},
		{Mode: "nearest", Padding: "zeros"},
	} {
		name := fmt.Sprintf("GridSample/%s/%s/align=%v", p.Mode, p.Padding, p.AlignCorners)
		// With respect to the image, the grid fixed: a linear map.
		runOpCase(t, opCase{name: name + "/image", in: []int{1, 2, 3, 4}, ref: func(x []float64) []float64 { return sample(p, x, grid64) }, build: func(x *Node) (*Node, error) {
			return GridSample(x, x.graph.Const(fixedGrid), p)
		}})
		if p.Mode == "nearest" {
			continue // piecewise constant in the grid
		}
		// With respect to the grid, the image fixed; points kept off pixel
		// boundaries so that no finite-difference step crosses one.
		runOpCase(t, opCase{name: name + "/grid", in: []int{1, 3, 5, 2}, ref: func(g []float64) []float64 { return sample(p, img64, g) }, input: func(_ *rand.Rand, g *Tensor) {
			copy(g.Data, fixedGrid.Data)
		}, build: func(g *Node) (*Node, error) {
			return GridSample(g.graph.Const(img), g, p)
		}})
	}
}
