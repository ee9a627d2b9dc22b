// Package handcrafted builds HOG, HOGb and dense SIFT as small graphs of the
// same ops as CNNs (SPEC §3), so they are inverted through the same autodiff
// path. Their two custom layers, orientation binning and HOG's block
// normalisation, are Kernels with their own backward pass.
package handcrafted

import (
	"cmp"
	"fmt"

	"github.com/invrep/invrep/graph"
)

// HOGOptions configure HOG (UoCTTI without the texture features).
type HOGOptions struct {
	// Cell is the cell size in pixels (default 8).
	Cell int
	// Orientations is the number of contrast-insensitive orientations NO
	// (default 9): each cell has 2·NO directed and NO undirected bins.
	Orientations int
	// Bilinear assigns each gradient to its two nearest orientations
	// (HOGb) instead of the nearest one.
	Bilinear bool
}

func (o HOGOptions) withDefaults() HOGOptions {
	o.Cell, o.Orientations = cmp.Or(o.Cell, 8), cmp.Or(o.Orientations, 9)
	return o
}

// Channels is the number of features per cell, 3·NO.
func (o HOGOptions) Channels() int { return 3 * o.withDefaults().Orientations }

// HOG computes UoCTTI HOG of a grey image x [N,1,H,W] as a graph (SPEC
// §3.2): derivatives, orientation binning with bilinear spatial pooling into
// cells (one kernel, see histogram), then 2×2 block stacking, normalisation
// on the undirected bins, clamping at 0.2 and averaging the blocks back into
// cells (another, see uoctti).
// The result is [N, 3·NO, ⌊H/cell⌋, ⌊W/cell⌋]: 2·NO contrast-sensitive bins,
// then NO contrast-insensitive ones. As in VLFeat, border pixels contribute
// no gradient and cell c takes pixel x with weight 1 − |(x+0.5)/b − 0.5 − c|.
func HOG(x *graph.Node, o HOGOptions) (*graph.Node, error) {
	o = o.withDefaults()
	s := x.Shape()
	if len(s) != 4 || s[1] != 1 {
		return nil, fmt.Errorf("HOG needs a grey image [N,1,H,W], got %v", s)
	}
	b, no := o.Cell, o.Orientations
	if b < 2 || no < 2 {
		return nil, fmt.Errorf("HOG: cell %d and orientations %d must be at least 2", b, no)
	}
	if s[2] < 2*b || s[3] < 2*b {
		return nil, fmt.Errorf("HOG: image %dx%d is smaller than 2x2 cells of %d pixels", s[3], s[2], b)
	}
	d, err := graph.Apply(gradient{zeroBorder: true}, x)
	if err != nil {
		return nil, err
	}
	rows, nr := hogAxis(s[2], b)
	cols, nc := hogAxis(s[3], b)
	cells, err := graph.Apply(newHistogram(newBinning(2*no, o.Bilinear, false), rows, cols, nr, nc), d)
	if err != nil {
		return nil, err
	}
	return graph.Apply(newUOCTTI(no), cells)
}
