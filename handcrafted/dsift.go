package handcrafted

import (
	"cmp"
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

// DSIFTOptions configure dense SIFT.
type DSIFTOptions struct {
	// Bin is the spatial bin size in pixels (default 5, as the paper's code).
	Bin int
	// Step is the descriptor stride in bins (default 3).
	Step int
	// Sigma is the Gaussian weighting of the 4×4 bins, in bins (default 1.5,
	// as dsift_net; VLFeat uses its windowSize, 2).
	Sigma float64
	// WindowMean weights each bin by the Gaussian averaged over the bin's
	// pixels, as VLFeat's flat window does, instead of its value at the bin
	// centre.
	WindowMean bool
	// Renormalize normalises again after clamping, as SIFT and VLFeat do
	// (dsift_net does not).
	Renormalize bool
	// FastAtan2 bins orientations with VLFeat's atan2 approximation.
	FastAtan2 bool
}

func (o DSIFTOptions) withDefaults() DSIFTOptions {
	o.Bin, o.Step, o.Sigma = cmp.Or(o.Bin, 5), cmp.Or(o.Step, 3), cmp.Or(o.Sigma, 1.5)
	return o
}

// VLFeatFlat are the options that reproduce VLFeat's vl_dsift with a flat
// window (the 'fast' option the paper's network follows).
func VLFeatFlat(bin, step int) DSIFTOptions {
	return DSIFTOptions{Bin: bin, Step: step, Sigma: 2, WindowMean: true, Renormalize: true, FastAtan2: true}
}

// DSIFT computes dense SIFT descriptors of a grey image x [N,1,H,W] as a
// graph (SPEC §3.3): 8 directional derivatives, bilinear orientation
// binning, bilinear pooling into bins of Bin pixels, Gaussian-weighted 4×4
// bin blocks every Step bins, L2 normalisation and clamping at 0.2. The
// result is [N,128,ny,nx], channel = 32·by + 8·bx + t as VLFeat orders it.
// Bins are centred on pixels 0, Bin, 2·Bin, … and the image border is
// replicated, as in VLFeat.
func DSIFT(x *graph.Node, o DSIFTOptions) (*graph.Node, error) {
	o = o.withDefaults()
	s := x.Shape()
	if len(s) != 4 || s[1] != 1 {
		return nil, fmt.Errorf("DSIFT needs a grey image [N,1,H,W], got %v", s)
	}
	b := o.Bin
	if b < 1 || o.Step < 1 || o.Sigma <= 0 {
		return nil, fmt.Errorf("DSIFT: bin %d, step %d and sigma %g must be positive", b, o.Step, o.Sigma)
	}
	if (s[2]-1)/b+1 < 4 || (s[3]-1)/b+1 < 4 {
		return nil, fmt.Errorf("DSIFT: image %dx%d is smaller than one descriptor (%d pixels)", s[3], s[2], 3*b+1)
	}
	g := x.Graph()
	grad, err := graph.Apply(gradient{}, x)
	if err != nil {
		return nil, err
	}
	rows, nr := siftAxis(s[2], b)
	cols, nc := siftAxis(s[3], b)
	bins, err := graph.Apply(newHistogram(newBinning(8, true, o.FastAtan2), rows, cols, nr, nc), grad)
	if err != nil {
		return nil, err
	}
	desc, err := graph.Conv(bins, g.Const(o.blockFilter()), nil, graph.ConvParams{Strides: [2]int{o.Step, o.Step}})
	if err != nil {
		return nil, err
	}
	if desc, err = l2Normalize(desc); err != nil {
		return nil, err
	}
	if desc, err = graph.Clip(desc, -math.MaxFloat32, 0.2); err != nil {
		return nil, err
	}
	if o.Renormalize {
		return l2Normalize(desc)
	}
	return desc, nil
}

// l2Normalize divides each descriptor by sqrt(1e-6 + ‖x‖²): an LRN whose
// window covers all channels.
func l2Normalize(x *graph.Node) (*graph.Node, error) {
	c := x.Shape()[1]
	size := 2*c + 1
	return graph.LRN(x, graph.LRNParams{Size: size, Alpha: float64(size), Beta: 0.5, Bias: 1e-6})
}

// binWeight is the Gaussian weight of bin i (0..3) along one axis.
func (o DSIFTOptions) binWeight(i int) float64 {
	if !o.WindowMean {
		z := (float64(i) - 1.5) / o.Sigma
		return math.Exp(-0.5 * z * z)
	}
	b := o.Bin
	delta := float64(b) * (float64(i) - 1.5)
	sigma := float64(b) * o.Sigma
	acc := 0.0
	for x := -b + 1; x <= b-1; x++ {
		z := (float64(x) - delta) / sigma
		acc += math.Exp(-0.5 * z * z)
	}
	return float64(b) * acc / float64(2*b-1)
}

// blockFilter gathers 4×4 bins × 8 orientations into 128 channels, each
// weighted by its bin's Gaussian weight.
func (o DSIFTOptions) blockFilter() *graph.Tensor {
	w := graph.NewTensor(128, 8, 4, 4)
	for by := 0; by < 4; by++ {
		for bx := 0; bx < 4; bx++ {
			v := float32(o.binWeight(by) * o.binWeight(bx))
			if !o.WindowMean {
				z2 := ((float64(by)-1.5)*(float64(by)-1.5) + (float64(bx)-1.5)*(float64(bx)-1.5)) / (o.Sigma * o.Sigma)
				v = float32(math.Exp(-0.5 * z2))
			}
			for t := 0; t < 8; t++ {
				w.Data[((by*32+bx*8+t)*8+t)*16+by*4+bx] = v
			}
		}
	}
	return w
}
