package handcrafted

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// gradient computes ∇x [N,2,H,W] of grey images [N,1,H,W] by central
// differences /2 (x along columns, y along rows pointing down), the first
// layer of hog_net and dsift_net, as a direct stencil rather than a 3×3
// convolution (each output is one exact difference of two pixels).
//
// With zeroBorder, pixels on the image border have no gradient at all
// (VLFeat's HOG uses pixels 1..W−2 × 1..H−2 only); otherwise the difference
// at the border is one-sided, without the 1/2, as VLFeat's dense SIFT takes
// it.
type gradient struct{ zeroBorder bool }

func (k gradient) String() string    { return fmt.Sprintf("Gradient(zeroBorder=%v)", k.zeroBorder) }
func (k gradient) Diffable(int) bool { return true }
func (k gradient) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][1] != 1 || in[0][2] < 3 || in[0][3] < 3 {
		return nil, fmt.Errorf("want grey images [N,1,H,W] of at least 3×3 pixels, got %v", in)
	}
	return []int{in[0][0], 2, in[0][2], in[0][3]}, nil
}

// taps returns the two pixels and the factor of the difference along one
// axis at index i of n: (x[hi] − x[lo])·f.
func (k gradient) taps(i, n int) (lo, hi int, f float32) {
	switch {
	case i > 0 && i < n-1:
		return i - 1, i + 1, 0.5
	case k.zeroBorder:
		return 0, 0, 0
	case i == 0:
		return 0, 1, 1
	}
	return n - 2, n - 1, 1
}

func (k gradient) each(shape []int, f func(src, dst, sp, w, i, j int)) {
	h, w := shape[2], shape[3]
	sp := h * w
	for n := 0; n < shape[0]; n++ {
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				if k.zeroBorder && (i == 0 || j == 0 || i == h-1 || j == w-1) {
					continue
				}
				f(n*sp, n*2*sp, sp, w, i, j)
			}
		}
	}
}

func (k gradient) Forward(in []*graph.Tensor, out *graph.Tensor) {
	x, y := in[0].Data, out.Data
	h := in[0].Shape[2]
	k.each(in[0].Shape, func(src, dst, sp, w, i, j int) {
		o := i*w + j
		lo, hi, f := k.taps(j, w)
		y[dst+o] = (x[src+i*w+hi] - x[src+i*w+lo]) * f
		lo, hi, f = k.taps(i, h)
		y[dst+sp+o] = (x[src+hi*w+j] - x[src+lo*w+j]) * f
	})
}

func (k gradient) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	g, d := gout.Data, gin.Data
	h := in[0].Shape[2]
	k.each(in[0].Shape, func(src, dst, sp, w, i, j int) {
		o := i*w + j
		lo, hi, f := k.taps(j, w)
		v := g[dst+o] * f
		d[src+i*w+hi] += v
		d[src+i*w+lo] -= v
		lo, hi, f = k.taps(i, h)
		v = g[dst+sp+o] * f
		d[src+hi*w+j] += v
		d[src+lo*w+j] -= v
	})
}
