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
	// sets: every input channel's first tap reaches all of its plane at
	// unit strides, so the gradient's first pass sets the plane instead of
	// adding to one zeroed for it (HOG's block decomposition: one tap per
	// input channel).
	sets bool
}

// setsGrad reports whether each input channel's first tap covers its whole
// plane of h×w at unit strides under geometry q.
func (c conv) setsGrad(q convGeom) bool {
	if c.p.Strides != [2]int{1, 1} {
		return false
	}
	for _, taps := range c.sparse.byIn {
		if len(taps) == 0 {
			return false
		}
		s := c.span(q, taps[0])
		if s.iy0 != 0 || s.oy1-s.oy0 != q.h || s.ix0 != 0 || s.ox1-s.ox0 != q.w {
			return false
		}
	}
	return true
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

// tapSpan is the part of the output a tap reaches: rows [oy0, oy1) read
// input rows iy0 + (oy − oy0)·sh, columns [ox0, ox1) input columns ix0 +
// (ox − ox0)·sw.
type tapSpan struct{ oy0, oy1, iy0, ox0, ox1, ix0 int }

func (c conv) span(q convGeom, t sparseTap) tapSpan {
	sh, sw := c.p.Strides[0], c.p.Strides[1]
	dh, dw := c.p.Dilations[0], c.p.Dilations[1]
	offY, offX := t.ki*dh-c.p.Pads[0], t.kj*dw-c.p.Pads[1]
	oy0, oy1 := validRange(q.oh, sh, offY, q.h)
	ox0, ox1 := validRange(q.ow, sw, offX, q.w)
	if ox1 <= ox0 {
		oy1 = oy0
	}
	return tapSpan{oy0, oy1, oy0*sh + offY, ox0, ox1, ox0*sw + offX}
}

// sparseForward adds each tap's shifted input plane to its output plane a
// row at a time (an Axpy per row on unit strides): the planes are HOG's
// cell maps, a few thousand short rows per pass, so the loop stays plain.
func (c conv) sparseForward(q convGeom, x, bias, y []float32) {
	sh, sw := c.p.Strides[0], c.p.Strides[1]
	parallel.For(q.n*q.m, func(no int) {
		n, o := no/q.m, no%q.m
		dst := y[no*q.p : (no+1)*q.p]
		b := float32(0)
		if bias != nil {
			b = bias[o]
		}
		taps := c.sparse.byOut[o]
		// A first tap that reaches the whole plane sets it (HOG's block
		// stacking); otherwise the plane starts at the bias.
		set := len(taps) > 0 && sw == 1
		if set {
			s := c.span(q, taps[0])
			set = s.oy0 == 0 && s.oy1 == q.oh && s.ox0 == 0 && s.ox1 == q.ow
		}
		if !set {
			for i := range dst {
				dst[i] = b
			}
		}
		for k, t := range taps {
			src := x[(n*q.c+t.c)*q.h*q.w:][:q.h*q.w]
			s := c.span(q, t)
			for oy, iy := s.oy0, s.iy0; oy < s.oy1; oy, iy = oy+1, iy+sh {
				out := dst[oy*q.ow+s.ox0 : oy*q.ow+s.ox1]
				row := src[iy*q.w+s.ix0:]
				switch {
				case k == 0 && set:
					vec.ScaleAdd(out, row[:len(out)], t.w, b)
				case sw == 1:
					vec.Axpy(out, row[:len(out)], t.w)
				default:
					vec.AxpyFrom(out, row, t.w, sw)
				}
			}
		}
	})
}

func (c conv) sparseBackward(q convGeom, gy, gx []float32) {
	sh, sw := c.p.Strides[0], c.p.Strides[1]
	parallel.For(q.n*q.c, func(nc int) {
		n, ch := nc/q.c, nc%q.c
		dst := gx[nc*q.h*q.w : (nc+1)*q.h*q.w]
		for k, t := range c.sparse.byIn[ch] {
			src := gy[(n*q.m+t.o)*q.p:][:q.p]
			s := c.span(q, t)
			for oy, iy := s.oy0, s.iy0; oy < s.oy1; oy, iy = oy+1, iy+sh {
				g := src[oy*q.ow+s.ox0 : oy*q.ow+s.ox1]
				row := dst[iy*q.w+s.ix0:]
				switch {
				case k == 0 && c.sparse.sets:
					vec.ScaleAdd(row[:len(g)], g, t.w, 0)
				case sw == 1:
					vec.Axpy(row[:len(g)], g, t.w)
				default:
					vec.AxpyTo(row, g, t.w, sw)
				}
			}
		}
	})
}
