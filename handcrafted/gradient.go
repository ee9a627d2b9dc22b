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

// skip reports whether output index i of n is left at 0 (the border, with
// zeroBorder).
func (k gradient) skip(i, n int) bool { return k.zeroBorder && (i == 0 || i == n-1) }

// Forward runs rows in parallel.
func (k gradient) Forward(in []*graph.Tensor, out *graph.Tensor) {
	x, y := in[0].Data, out.Data
	h, w := in[0].Shape[2], in[0].Shape[3]
	sp := h * w
	graph.ParallelFor(in[0].Shape[0]*h, func(row int) {
		n, i := row/h, row%h
		if k.skip(i, h) {
			return
		}
		src := x[n*sp:]
		gx, gy := y[n*2*sp+i*w:][:w], y[n*2*sp+sp+i*w:][:w]
		xr := src[i*w:][:w]
		for j := 1; j < w-1; j++ {
			gx[j] = (xr[j+1] - xr[j-1]) * 0.5
		}
		if !k.zeroBorder {
			for _, j := range []int{0, w - 1} {
				lo, hi, f := k.taps(j, w)
				gx[j] = (xr[hi] - xr[lo]) * f
			}
		}
		lo, hi, f := k.taps(i, h)
		a, b := src[lo*w:][:w], src[hi*w:][:w]
		j0, j1 := 0, w
		if k.zeroBorder {
			j0, j1 = 1, w-1
		}
		for j := j0; j < j1; j++ {
			gy[j] = (b[j] - a[j]) * f
		}
	})
}

// Backward gathers, for each pixel row, the x differences of its own row
// and the y differences of the output rows whose taps hold it, so rows run
// in parallel without two writing one pixel.
func (k gradient) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	g, d := gout.Data, gin.Data
	h, w := in[0].Shape[2], in[0].Shape[3]
	sp := h * w
	type source struct {
		i int
		f float32
	}
	from := make([][]source, h) // output rows reaching each pixel row
	for i := 0; i < h; i++ {
		if k.skip(i, h) {
			continue
		}
		lo, hi, f := k.taps(i, h)
		if f != 0 {
			from[hi] = append(from[hi], source{i, f})
			from[lo] = append(from[lo], source{i, -f})
		}
	}
	j0, j1 := 0, w
	if k.zeroBorder {
		j0, j1 = 1, w-1
	}
	graph.ParallelFor(in[0].Shape[0]*h, func(row int) {
		n, r := row/h, row%h
		dr := d[n*sp+r*w:][:w]
		if !k.skip(r, h) {
			gx := g[n*2*sp+r*w:][:w]
			for j := 1; j < w-1; j++ { // central differences
				v := gx[j] * 0.5
				dr[j+1] += v
				dr[j-1] -= v
			}
			if !k.zeroBorder { // one-sided ones at the ends
				for _, j := range [2]int{0, w - 1} {
					lo, hi, f := k.taps(j, w)
					v := gx[j] * f
					dr[hi] += v
					dr[lo] -= v
				}
			}
		}
		for _, s := range from[r] {
			gy := g[n*2*sp+sp+s.i*w:][:w]
			for j := j0; j < j1; j++ {
				dr[j] += s.f * gy[j]
			}
		}
	})
}
