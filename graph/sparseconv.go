package graph

import (
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// sparseTap is one non-zero weight of a convolution: output channel o
// takes w times input channel c (absolute, across groups) shifted by the
// tap (ki, kj).
type sparseTap struct {
	o, c, ki, kj int
	w            float32
}

// sparseConv is a convolution by constant weights that are almost all zero,
// as HOG's block stacking and decomposition are (one 1 per output and tap
// out of 3·NO·4 weights): it adds a shifted, scaled copy of an input plane
// per non-zero weight instead of multiplying by the zeros.
type sparseConv struct {
	byOut, byIn [][]sparseTap // the taps grouped by output and by input channel
}

// sparseTaps returns the non-zero weights of w [M, C/group, kh, kw] grouped
// by output and by input channel, or nil where more than one in eight
// weights is non-zero (a dense product is then faster).
func sparseTaps(w *Tensor, c, group int) *sparseConv {
	m, cg, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	nnz := 0
	for _, v := range w.Data {
		if v != 0 {
			nnz++
		}
	}
	if nnz*8 > len(w.Data) || c != cg*group {
		return nil
	}
	s := &sparseConv{byOut: make([][]sparseTap, m), byIn: make([][]sparseTap, c)}
	mg := m / group
	for o := 0; o < m; o++ {
		for ci := 0; ci < cg; ci++ {
			for ki := 0; ki < kh; ki++ {
				for kj := 0; kj < kw; kj++ {
					if v := w.Data[((o*cg+ci)*kh+ki)*kw+kj]; v != 0 {
						t := sparseTap{o: o, c: o/mg*cg + ci, ki: ki, kj: kj, w: v}
						s.byOut[o] = append(s.byOut[o], t)
						s.byIn[t.c] = append(s.byIn[t.c], t)
					}
				}
			}
		}
	}
	return s
}

// rows calls f for every output row oy a tap reaches, with the input row
// iy, the outputs [ox0, ox1) whose input lies inside the image and the
// input column ix of ox0.
func (c conv) tapRows(q convGeom, t sparseTap, f func(iy, oy, ox0, ox1, ix int)) {
	sh, sw := c.p.Strides[0], c.p.Strides[1]
	dh, dw := c.p.Dilations[0], c.p.Dilations[1]
	off := t.kj*dw - c.p.Pads[1]
	ox0, ox1 := validRange(q.ow, sw, off, q.w)
	if ox1 <= ox0 {
		return
	}
	for oy := 0; oy < q.oh; oy++ {
		if iy := oy*sh - c.p.Pads[0] + t.ki*dh; iy >= 0 && iy < q.h {
			f(iy, oy, ox0, ox1, ox0*sw+off)
		}
	}
}

func (c conv) sparseForward(q convGeom, x, bias, y []float32) {
	sw := c.p.Strides[1]
	parallel.For(q.n*q.m, func(no int) {
		n, o := no/q.m, no%q.m
		dst := y[no*q.p : (no+1)*q.p]
		b := float32(0)
		if bias != nil {
			b = bias[o]
		}
		for i := range dst {
			dst[i] = b
		}
		for _, t := range c.sparse.byOut[o] {
			src := x[(n*q.c+t.c)*q.h*q.w:]
			c.tapRows(q, t, func(iy, oy, ox0, ox1, ix int) {
				row, out := src[iy*q.w:(iy+1)*q.w], dst[oy*q.ow:(oy+1)*q.ow]
				if sw == 1 {
					vec.Axpy(out[ox0:ox1], row[ix:], t.w)
					return
				}
				for ox := ox0; ox < ox1; ox++ {
					out[ox] += t.w * row[ix]
					ix += sw
				}
			})
		}
	})
}

func (c conv) sparseBackward(q convGeom, gy, gx []float32) {
	sw := c.p.Strides[1]
	parallel.For(q.n*q.c, func(nc int) {
		n, ch := nc/q.c, nc%q.c
		dst := gx[nc*q.h*q.w : (nc+1)*q.h*q.w]
		for _, t := range c.sparse.byIn[ch] {
			src := gy[(n*q.m+t.o)*q.p:]
			c.tapRows(q, t, func(iy, oy, ox0, ox1, ix int) {
				row, g := dst[iy*q.w:(iy+1)*q.w], src[oy*q.ow:(oy+1)*q.ow]
				if sw == 1 {
					vec.Axpy(row[ix:ix+ox1-ox0], g[ox0:ox1], t.w)
					return
				}
				for ox := ox0; ox < ox1; ox++ {
					row[ix] += t.w * g[ox]
					ix += sw
				}
			})
		}
	})
}
