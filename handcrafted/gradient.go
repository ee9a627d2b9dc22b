package handcrafted

import (
	"fmt"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
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

// Overwrites implements graph.Overwriter: both passes write every element,
// the border's zeros included.
func (k gradient) Overwrites(bool, int) bool { return true }

// Forward runs rows in parallel.
func (k gradient) Forward(in []*graph.Tensor, out *graph.Tensor) {
	x, y := in[0].Data, out.Data
	h, w := in[0].Shape[2], in[0].Shape[3]
	sp := h * w
	parallel.For(in[0].Shape[0]*h, func(row int) {
		n, i := row/h, row%h
		gx, gy := y[n*2*sp+i*w:][:w], y[n*2*sp+sp+i*w:][:w]
		if k.skip(i, h) {
			clear(gx)
			clear(gy)
			return
		}
		src := x[n*sp:]
		xr := src[i*w:][:w]
		vec.ScaledDiff(gx[1:w-1], xr[2:], xr[:w-2], 0.5)
		for _, j := range []int{0, w - 1} {
			lo, hi, f := k.taps(j, w)
			gx[j] = (xr[hi] - xr[lo]) * f
		}
		lo, hi, f := k.taps(i, h)
		a, b := src[lo*w:][:w], src[hi*w:][:w]
		vec.ScaledDiff(gy, b, a, f)
		if k.zeroBorder {
			gy[0], gy[w-1] = 0, 0
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
	if k.zeroBorder && w >= 5 {
		k.backwardInterior(g, d, in[0].Shape[0], h, w)
		return
	}
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
	parallel.For(in[0].Shape[0]*h, func(row int) {
		n, r := row/h, row%h
		dr := d[n*sp+r*w:][:w]
		clear(dr)
		if !k.skip(r, h) {
			// Central differences: pixel j takes ½(gx[j−1] − gx[j+1]),
			// each term where its difference is an interior one.
			gx := g[n*2*sp+r*w:][:w]
			ends := []int{0, 1, w - 2, w - 1} // the columns left to the loop
			if w >= 5 {
				vec.ScaledDiff(dr[2:w-2], gx[1:w-3], gx[3:w-1], 0.5)
			} else {
				ends = []int{0, 1, 2, 3}[:w]
			}
			for _, j := range ends {
				if j-1 >= 1 {
					dr[j] += gx[j-1] * 0.5
				}
				if j+1 <= w-2 {
					dr[j] -= gx[j+1] * 0.5
				}
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
			vec.Axpy(dr[j0:j1], gy[j0:j1], s.f)
		}
	})
}

// backwardInterior is Backward for zeroBorder (HOG's gradient), where
// only the interior differences exist: pixel j of row r takes
// ½(gx_r[j−1] − gx_r[j+1] + gy_{r−1}[j] − gy_{r+1}[j]), each term present
// where its difference is (an interior row, and for gx an interior column).
func (k gradient) backwardInterior(g, d []float32, images, h, w int) {
	sp := h * w
	zero := make([]float32, w)
	parallel.For(images*h, func(row int) {
		n, r := row/h, row%h
		dr := d[n*sp+r*w:][:w]
		gxs, gys := g[n*2*sp:], g[n*2*sp+sp:]
		gx, up, down := zero, zero, zero
		if !k.skip(r, h) {
			gx = gxs[r*w:][:w]
		}
		if r-1 >= 1 && r-1 <= h-2 {
			up = gys[(r-1)*w:][:w]
		}
		if r+1 >= 1 && r+1 <= h-2 {
			down = gys[(r+1)*w:][:w]
		}
		vec.ScaledDiffs(dr[2:w-2], gx[1:w-3], gx[3:w-1], up[2:w-2], down[2:w-2], 0.5)
		dr[0] = (0 - gx[1]) * 0.5
		dr[1] = ((0 - gx[2]) + (up[1] - down[1])) * 0.5
		dr[w-2] = ((gx[w-3] - 0) + (up[w-2] - down[w-2])) * 0.5
		dr[w-1] = (gx[w-2] - 0) * 0.5
	})
}
