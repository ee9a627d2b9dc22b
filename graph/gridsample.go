package graph

import (
	"fmt"
	"math"
)

// GridSampleParams describe ONNX's GridSample (opset 16): Mode bilinear,
// nearest or bicubic; Padding zeros, border or reflection; AlignCorners
// maps the grid's −1 and 1 to the corner pixels' centres (else to their
// outer edges).
type GridSampleParams struct {
	Mode, Padding string
	AlignCorners  bool
}

// gridSample reads x [N,C,H,W] at the points of grid [N,Ho,Wo,2] (x then
// y, in [−1, 1]): out [N,C,Ho,Wo]. It is linear in x, and in the grid
// piecewise smooth (bilinear, bicubic) or constant (nearest); both
// gradients are computed, so a spatial transformer's sampling grid,
// computed from the image, inverts too.
type gridSample struct{ p GridSampleParams }

func (k gridSample) String() string {
	return fmt.Sprintf("GridSample(%s,%s,align=%v)", k.p.Mode, k.p.Padding, k.p.AlignCorners)
}
func (k gridSample) Diffable(int) bool { return true }
func (k gridSample) OutShape(in [][]int) ([]int, error) {
	if len(in) != 2 || len(in[0]) != 4 || len(in[1]) != 4 || in[1][3] != 2 || in[0][0] != in[1][0] {
		return nil, fmt.Errorf("want x [N,C,H,W] and grid [N,Ho,Wo,2], got %v", in)
	}
	return []int{in[0][0], in[0][1], in[1][1], in[1][2]}, nil
}

// Overwrites implements Overwriter.
func (k gridSample) Overwrites(bool, int) bool { return true }

// axisTaps are one axis's taps for grid coordinate g: up to four input
// indices (−1: outside, reading 0), their weights, and the weights'
// derivatives with respect to g.
type axisTaps struct {
	n       int
	idx     [4]int
	w, dw   [4]float64
	nearest bool
}

// reflectInto folds c into [lo, hi] by reflection, returning the folded value
// and the sign of dc′/dc.
func reflectInto(c, lo, hi float64) (float64, float64) {
	if lo == hi {
		return lo, 0
	}
	span := hi - lo
	sign := 1.0
	c -= lo
	if c < 0 {
		c, sign = -c, -1
	}
	flips := math.Floor(c / span)
	extra := c - flips*span
	if int64(flips)%2 == 0 {
		return lo + extra, sign
	}
	return hi - extra, -sign
}

func (k gridSample) taps(g float64, size int) axisTaps {
	var t axisTaps
	// Unnormalise: −1..1 to pixel coordinates.
	var c, dc float64
	if k.p.AlignCorners {
		c, dc = (g+1)/2*float64(size-1), float64(size-1)/2
	} else {
		c, dc = ((g+1)*float64(size)-1)/2, float64(size)/2
	}
	inside := func(i int) int {
		if i < 0 || i >= size {
			return -1
		}
		return i
	}
	bounded := func(i int) int { // a bicubic tap through the padding mode
		switch k.p.Padding {
		case "border":
			return max(0, min(i, size-1))
		case "reflection":
			var r float64
			if k.p.AlignCorners {
				r, _ = reflectInto(float64(i), 0, float64(size-1))
			} else {
				r, _ = reflectInto(float64(i), -0.5, float64(size)-0.5)
				r = math.Max(0, math.Min(r, float64(size-1)))
			}
			return int(math.Round(r))
		}
		return inside(i)
	}
	if k.p.Mode != "bicubic" {
		// The coordinate itself through the padding mode.
		switch k.p.Padding {
		case "border":
			if c < 0 || c > float64(size-1) {
				dc = 0
			}
			c = math.Max(0, math.Min(c, float64(size-1)))
		case "reflection":
			var s float64
			if k.p.AlignCorners {
				c, s = reflectInto(c, 0, float64(size-1))
			} else {
				c, s = reflectInto(c, -0.5, float64(size)-0.5)
				if c < 0 || c > float64(size-1) {
					s = 0
				}
				c = math.Max(0, math.Min(c, float64(size-1)))
			}
			dc *= s
		}
	}
	switch k.p.Mode {
	case "nearest":
		t.n, t.nearest = 1, true
		t.idx[0], t.w[0] = inside(int(math.RoundToEven(c))), 1
	case "bicubic":
		i0 := int(math.Floor(c))
		f := c - float64(i0)
		const a = -0.75
		w := cubicWeights(f, a)
		nearD := func(d float64) float64 { return 3*(a+2)*d*d - 2*(a+3)*d }
		farD := func(d float64) float64 { return 3*a*d*d - 10*a*d + 8*a }
		dw := [4]float64{farD(f + 1), nearD(f), -nearD(1 - f), -farD(2 - f)}
		t.n = 4
		for j := range 4 {
			t.idx[j], t.w[j], t.dw[j] = bounded(i0-1+j), w[j], dw[j]*dc
		}
	default: // bilinear
		i0 := int(math.Floor(c))
		f := c - float64(i0)
		t.n = 2
		t.idx[0], t.w[0], t.dw[0] = inside(i0), 1-f, -dc
		t.idx[1], t.w[1], t.dw[1] = inside(i0+1), f, dc
	}
	return t
}

// each calls f for every output point: its batch image, its offset within
// a channel's output plane, and the taps along y and x.
func (k gridSample) each(xs, gs []int, grid []float32, f func(n, o int, ty, tx axisTaps)) {
	N, Ho, Wo := gs[0], gs[1], gs[2]
	H, W := xs[2], xs[3]
	for n := 0; n < N; n++ {
		for o := 0; o < Ho*Wo; o++ {
			g := grid[(n*Ho*Wo+o)*2:]
			f(n, o, k.taps(float64(g[1]), H), k.taps(float64(g[0]), W))
		}
	}
}

func (k gridSample) Forward(in []*Tensor, out *Tensor) {
	x, xs := in[0].Data, in[0].Shape
	C, H, W := xs[1], xs[2], xs[3]
	plane := in[1].Shape[1] * in[1].Shape[2]
	k.each(xs, in[1].Shape, in[1].Data, func(n, o int, ty, tx axisTaps) {
		for c := 0; c < C; c++ {
			base := (n*C + c) * H * W
			v := 0.0
			for a := 0; a < ty.n; a++ {
				if ty.idx[a] < 0 {
					continue
				}
				for b := 0; b < tx.n; b++ {
					if tx.idx[b] >= 0 {
						v += ty.w[a] * tx.w[b] * float64(x[base+ty.idx[a]*W+tx.idx[b]])
					}
				}
			}
			out.Data[(n*C+c)*plane+o] = float32(v)
		}
	})
}

func (k gridSample) Backward(i int, in []*Tensor, _, gout, gin *Tensor) {
	x, xs := in[0].Data, in[0].Shape
	C, H, W := xs[1], xs[2], xs[3]
	plane := in[1].Shape[1] * in[1].Shape[2]
	clear(gin.Data)
	k.each(xs, in[1].Shape, in[1].Data, func(n, o int, ty, tx axisTaps) {
		var gx, gy float64
		for c := 0; c < C; c++ {
			base := (n*C + c) * H * W
			g := float64(gout.Data[(n*C+c)*plane+o])
			for a := 0; a < ty.n; a++ {
				if ty.idx[a] < 0 {
					continue
				}
				for b := 0; b < tx.n; b++ {
					if tx.idx[b] < 0 {
						continue
					}
					at := base + ty.idx[a]*W + tx.idx[b]
					if i == 0 {
						gin.Data[at] += float32(g * ty.w[a] * tx.w[b])
						continue
					}
					v := g * float64(x[at])
					gx += v * ty.w[a] * tx.dw[b]
					gy += v * ty.dw[a] * tx.w[b]
				}
			}
		}
		if i == 1 {
			gin.Data[(n*plane+o)*2] += float32(gx)
			gin.Data[(n*plane+o)*2+1] += float32(gy)
		}
	})
}

// GridSample samples x at grid's points (ONNX's GridSample, 2-D).
func GridSample(x, grid *Node, p GridSampleParams) (*Node, error) {
	switch p.Mode {
	case "bilinear", "nearest", "bicubic":
	default:
		return nil, fmt.Errorf("GridSample: mode %q (want bilinear, nearest or bicubic)", p.Mode)
	}
	switch p.Padding {
	case "zeros", "border", "reflection":
	default:
		return nil, fmt.Errorf("GridSample: padding_mode %q (want zeros, border or reflection)", p.Padding)
	}
	return Apply(gridSample{p}, x, grid)
}
