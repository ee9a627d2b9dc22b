package graph

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/invrep/invrep/graph/internal/vec"
)

// PoolParams are the geometry of MaxPool and AveragePool.
type PoolParams struct {
	Kernel    [2]int
	Strides   [2]int
	Pads      [4]int // top, left, bottom, right
	Dilations [2]int // MaxPool only
	CeilMode  bool
	// CountIncludePad makes AveragePool divide by the window size clipped to
	// the padded input instead of by the number of input pixels it covers.
	CountIncludePad bool
}

type pool struct {
	p   PoolParams
	max bool
}

func (k pool) String() string {
	name := "AveragePool"
	if k.max {
		name = "MaxPool"
	}
	return fmt.Sprintf("%s(k=%v,s=%v,p=%v,ceil=%v)", name, k.p.Kernel, k.p.Strides, k.p.Pads, k.p.CeilMode)
}

func (k pool) Diffable(int) bool { return true }

// Overwrites implements Overwriter: the forward pass sets every output.
func (k pool) Overwrites(grad bool, _ int) bool { return !grad }

func (k pool) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 {
		return nil, fmt.Errorf("want one [N,C,H,W] input, got %v", in)
	}
	x := in[0]
	if k.p.Kernel[0] <= 0 || k.p.Kernel[1] <= 0 {
		return nil, fmt.Errorf("kernel %v must be positive", k.p.Kernel)
	}
	oh := convOut(x[2], k.p.Kernel[0], k.p.Strides[0], k.p.Dilations[0], k.p.Pads[0], k.p.Pads[2], k.p.CeilMode)
	ow := convOut(x[3], k.p.Kernel[1], k.p.Strides[1], k.p.Dilations[1], k.p.Pads[1], k.p.Pads[3], k.p.CeilMode)
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("window %v does not fit input %dx%d", k.p.Kernel, x[2], x[3])
	}
	return []int{x[0], x[1], oh, ow}, nil
}

// axisSpan is one output index's window along one axis: its first input
// index, the kernel taps [k0, k1) that land inside the input, and the number
// of taps inside the padded input (for count_include_pad).
type axisSpan struct{ start, k0, k1, count int }

// spans returns the window of every output index along one axis.
func spans(out, stride, pad, k, dil, in, padEnd int) []axisSpan {
	s := make([]axisSpan, out)
	for o := range s {
		start := o*stride - pad
		k0, k1 := 0, k
		for k0 < k && start+k0*dil < 0 {
			k0++
		}
		for k1 > k0 && start+(k1-1)*dil >= in {
			k1--
		}
		count := 0
		for t := 0; t < k; t++ {
			if p := start + t*dil; p >= -pad && p < in+padEnd {
				count++
			}
		}
		s[o] = axisSpan{start, k0, k1, count}
	}
	return s
}

// geometry is the per-axis windows of a pooling over an h×w plane.
func (k pool) geometry(h, w, oh, ow int) (rows, cols []axisSpan) {
	p := k.p
	rows = spans(oh, p.Strides[0], p.Pads[0], p.Kernel[0], p.Dilations[0], h, p.Pads[2])
	cols = spans(ow, p.Strides[1], p.Pads[1], p.Kernel[1], p.Dilations[1], w, p.Pads[3])
	return rows, cols
}

// divisor is AveragePool's: pixels inside the input, or inside the padded
// input with count_include_pad.
func (k pool) divisor(r, c axisSpan) float32 {
	if k.p.CountIncludePad {
		return float32(r.count * c.count)
	}
	return float32((r.k1 - r.k0) * (c.k1 - c.k0))
}

// Forward reduces each window in two passes, down the window's rows into a
// row buffer and then across it. Each pass is a run of independent max
// operations the processor overlaps; a data-dependent branch per tap, as a
// running argmax needs, mispredicts about half the time and made pooling
// the most expensive op of a SqueezeNet pool0 inversion. The backward pass
// finds the maximum's position again.
func (k pool) Forward(in []*Tensor, out *Tensor) {
	h, w := in[0].Shape[2], in[0].Shape[3]
	oh, ow := out.Shape[2], out.Shape[3]
	rows, cols := k.geometry(h, w, oh, ow)
	dy, dx := k.p.Dilations[0], k.p.Dilations[1]
	negInf := float32(math.Inf(-1))
	ParallelFor(in[0].Shape[0]*in[0].Shape[1], func(pl int) {
		src := in[0].Data[pl*h*w : (pl+1)*h*w]
		dst := out.Data[pl*oh*ow : (pl+1)*oh*ow]
		acc := make([]float32, w)
		var rs rowScratch
		a, b := k.interior(cols)
		if !k.max {
			a, b = 0, 0
		}
		for oy, r := range rows {
			d := dst[oy*ow : (oy+1)*ow]
			if r.k0 >= r.k1 {
				fill(d, negInf, k.max)
				continue
			}
			copy(acc, src[(r.start+r.k0*dy)*w:][:w])
			for i := r.k0 + 1; i < r.k1; i++ {
				row := src[(r.start+i*dy)*w:][:w]
				if k.max {
					vec.Max(acc, row)
				} else {
					for x, v := range row {
						acc[x] += v
					}
				}
			}
			if k.max {
				k.rowsMax(acc, d, a, b, &rs)
			}
			for ox := 0; ox < len(cols); ox++ {
				if ox == a && b > a {
					ox = b - 1 // done by rowsMax
					continue
				}
				c := cols[ox]
				if c.k0 >= c.k1 {
					d[ox] = 0
					if k.max {
						d[ox] = negInf
					}
					continue
				}
				if k.max {
					m := acc[c.start+c.k0*dx]
					for j := c.k0 + 1; j < c.k1; j++ {
						m = max(m, acc[c.start+j*dx])
					}
					d[ox] = m
					continue
				}
				s := float32(0)
				for j := c.k0; j < c.k1; j++ {
					s += acc[c.start+j*dx]
				}
				if n := k.divisor(r, c); n > 0 {
					d[ox] = s / n
				}
			}
		}
	})
}

// fill sets a row of outputs whose windows lie in the padding.
func fill(d []float32, negInf float32, isMax bool) {
	v := float32(0)
	if isMax {
		v = negInf
	}
	for i := range d {
		d[i] = v
	}
}

// Backward routes MaxPool's gradient to the first maximum of each window in
// row-major order (as onnxruntime and PyTorch pick it) and spreads
// AveragePool's evenly over the pixels each window covers.
func (k pool) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	h, w := in[0].Shape[2], in[0].Shape[3]
	oh, ow := out.Shape[2], out.Shape[3]
	rows, cols := k.geometry(h, w, oh, ow)
	dy, dx := k.p.Dilations[0], k.p.Dilations[1]
	ParallelFor(in[0].Shape[0]*in[0].Shape[1], func(pl int) {
		src := in[0].Data[pl*h*w : (pl+1)*h*w]
		dst := gin.Data[pl*h*w : (pl+1)*h*w]
		g := gout.Data[pl*oh*ow : (pl+1)*oh*ow]
		y := out.Data[pl*oh*ow : (pl+1)*oh*ow]
		var rs rowScratch
		lo, hi := k.interior(cols)
		if !k.max {
			lo, hi = 0, 0
		}
		for oy, r := range rows {
			if k.max && r.k0 < r.k1 {
				k.rowsMaxBackward(src, dst, w, r, lo, hi, y[oy*ow:(oy+1)*ow], g[oy*ow:(oy+1)*ow], &rs)
			}
			for ox := 0; ox < len(cols); ox++ {
				if ox == lo && hi > lo {
					ox = hi - 1 // done by rowsMaxBackward
					continue
				}
				c := cols[ox]
				o := oy*ow + ox
				if k.max {
					if a := firstEqual(src, w, r, c, dy, dx, y[o]); a >= 0 {
						dst[a] += g[o]
					}
					continue
				}
				n := k.divisor(r, c)
				if n == 0 {
					continue
				}
				v := g[o] / n
				for i := r.k0; i < r.k1; i++ {
					row := dst[(r.start+i*dy)*w:]
					for j := c.k0; j < c.k1; j++ {
						row[c.start+j*dx] += v
					}
				}
			}
		}
	})
}

// rowScratch is one goroutine's row buffers for the vector paths.
type rowScratch struct {
	e, o, ge, go_ []float32
	found         []uint32
}

func (rs *rowScratch) size(w, n int) {
	if len(rs.e) < (w+1)/2 || len(rs.found) < n {
		h := (w + 1) / 2
		rs.e, rs.o, rs.ge, rs.go_ = make([]float32, h), make([]float32, h), make([]float32, h), make([]float32, h)
		rs.found = make([]uint32, max(n, w))
	}
}

// interior is the outputs [a, b) whose windows lie wholly inside the row
// and whose taps are therefore whole strided runs of it, for the row
// primitives; b = a where the geometry has no vector path (dilated
// columns, or a stride other than 1 or 2).
func (k pool) interior(cols []axisSpan) (a, b int) {
	if k.p.Dilations[1] != 1 || k.p.Strides[1] > 2 {
		return 0, 0
	}
	kw := k.p.Kernel[1]
	for a < len(cols) && (cols[a].k0 != 0 || cols[a].k1 != kw) {
		a++
	}
	b = a
	for b < len(cols) && cols[b].k0 == 0 && cols[b].k1 == kw {
		b++
	}
	return a, b
}

// tapRun returns, for stride 2, which half of a deinterleaved row (odd
// when true) holds tap j of output a, and its index there; for stride 1
// the index in the row itself.
func (k pool) tapRun(a, j int) (odd bool, at int) {
	pos := a*k.p.Strides[1] - k.p.Pads[1] + j
	if k.p.Strides[1] == 1 {
		return false, pos
	}
	return pos&1 == 1, pos >> 1
}

// split deinterleaves row into rs.e and rs.o, the even and odd pixels.
func (rs *rowScratch) split(row []float32) {
	h := len(row) / 2
	vec.Deinterleave(rs.e[:h], rs.o[:h], row)
	if len(row)%2 == 1 {
		rs.e[h] = row[len(row)-1]
	}
}

// rowsMax sets the outputs d[a:b] of the interior windows from acc, the
// maximum down the window rows, one tap column at a time.
func (k pool) rowsMax(acc, d []float32, a, b int, rs *rowScratch) {
	if b <= a {
		return
	}
	n := b - a
	out := d[a:b]
	if k.p.Strides[1] == 2 {
		rs.size(len(acc), n)
		rs.split(acc)
	}
	for j := 0; j < k.p.Kernel[1]; j++ {
		odd, at := k.tapRun(a, j)
		run := acc
		if k.p.Strides[1] == 2 {
			run = rs.e
			if odd {
				run = rs.o
			}
		}
		if j == 0 {
			copy(out, run[at:at+n])
		} else {
			vec.Max(out, run[at:at+n])
		}
	}
}

// rowsMaxBackward routes the gradient g of one row of interior windows
// [a, b), by window rows and then taps in row-major order, each to its
// window's first maximum.
func (k pool) rowsMaxBackward(src, dst []float32, w int, r axisSpan, a, b int, y, g []float32, rs *rowScratch) {
	if b <= a {
		return
	}
	n := b - a
	rs.size(w, n)
	found := rs.found[:n]
	clear(found)
	dy, s2 := k.p.Dilations[0], k.p.Strides[1] == 2
	for i := r.k0; i < r.k1; i++ {
		row := src[(r.start+i*dy)*w:][:w]
		grow := dst[(r.start+i*dy)*w:][:w]
		if s2 {
			rs.split(row)
			clear(rs.ge)
			clear(rs.go_)
		}
		for j := 0; j < k.p.Kernel[1]; j++ {
			odd, at := k.tapRun(a, j)
			tap, to := row, grow
			if s2 {
				tap, to = rs.e, rs.ge
				if odd {
					tap, to = rs.o, rs.go_
				}
			}
			vec.FirstMatch(to[at:at+n], tap[at:at+n], y[a:b], g[a:b], found)
		}
		if s2 {
			h := w / 2
			vec.InterleaveAdd(grow, rs.ge[:h], rs.go_[:h])
			if w%2 == 1 {
				grow[w-1] += rs.ge[h]
			}
		}
	}
}

// firstEqual is the offset in the plane of the first pixel of a window, in
// row-major order, equal to m (the window's maximum), or -1 where there is
// none (a window in the padding, or a NaN maximum). It sets one bit per tap,
// eight per window row, and takes the lowest, without branching on the
// data: a search that stops at the maximum mispredicts its exit once per
// window.
func firstEqual(src []float32, w int, r, c axisSpan, dy, dx int, m float32) int {
	if r.k1-r.k0 > 8 || c.k1-c.k0 > 8 {
		return firstEqualSearch(src, w, r, c, dy, dx, m)
	}
	var mask uint64
	for i := r.k0; i < r.k1; i++ {
		row := src[(r.start+i*dy)*w:]
		sh := uint(i-r.k0) * 8
		for j := c.k0; j < c.k1; j++ {
			mask |= b2u(row[c.start+j*dx] == m) << (sh + uint(j-c.k0))
		}
	}
	if mask == 0 {
		return -1
	}
	t := bits.TrailingZeros64(mask)
	return (r.start+(r.k0+t>>3)*dy)*w + c.start + (c.k0+t&7)*dx
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// firstEqualSearch is firstEqual for windows of more than 64 taps.
func firstEqualSearch(src []float32, w int, r, c axisSpan, dy, dx int, m float32) int {
	for i := r.k0; i < r.k1; i++ {
		base := (r.start + i*dy) * w
		for j := c.k0; j < c.k1; j++ {
			if src[base+c.start+j*dx] == m {
				return base + c.start + j*dx
			}
		}
	}
	return -1
}

func (p PoolParams) withDefaults() PoolParams {
	for i := range p.Strides {
		if p.Strides[i] == 0 {
			p.Strides[i] = 1
		}
		if p.Dilations[i] == 0 {
			p.Dilations[i] = 1
		}
	}
	return p
}

// MaxPool is 2-D max pooling.
func MaxPool(x *Node, p PoolParams) (*Node, error) {
	return Apply(pool{p: p.withDefaults(), max: true}, x)
}

// AveragePool is 2-D average pooling. It replaces gorgonia's AveragePool2D,
// whose gradient reaches only the first window.
func AveragePool(x *Node, p PoolParams) (*Node, error) {
	p = p.withDefaults()
	if p.Dilations != [2]int{1, 1} {
		return nil, fmt.Errorf("AveragePool: dilations %v are not supported", p.Dilations)
	}
	return Apply(pool{p: p}, x)
}

// globalPool reduces each [H,W] plane to one value.
type globalPool struct{ max bool }

func (k globalPool) String() string {
	if k.max {
		return "GlobalMaxPool"
	}
	return "GlobalAveragePool"
}
func (k globalPool) Diffable(int) bool { return true }
func (k globalPool) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) < 3 {
		return nil, fmt.Errorf("want one [N,C,spatial...] input, got %v", in)
	}
	out := append([]int(nil), in[0]...)
	for i := 2; i < len(out); i++ {
		out[i] = 1
	}
	return out, nil
}

func (k globalPool) Forward(in []*Tensor, out *Tensor) {
	sz := len(in[0].Data) / len(out.Data)
	for p := range out.Data {
		src := in[0].Data[p*sz : (p+1)*sz]
		if k.max {
			m := src[0]
			for _, v := range src {
				m = max(m, v)
			}
			out.Data[p] = m
			continue
		}
		s := 0.0
		for _, v := range src {
			s += float64(v)
		}
		out.Data[p] = float32(s / float64(sz))
	}
}

func (k globalPool) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	sz := len(in[0].Data) / len(out.Data)
	for p, g := range gout.Data {
		src, dst := in[0].Data[p*sz:(p+1)*sz], gin.Data[p*sz:(p+1)*sz]
		if k.max {
			for i, v := range src {
				if v == out.Data[p] {
					dst[i] = g
					break
				}
			}
			continue
		}
		g /= float32(sz)
		for i := range dst {
			dst[i] = g
		}
	}
}

// GlobalAveragePool averages each channel's spatial plane. It replaces
// gorgonia's GlobalAveragePool2D, which has no gradient.
func GlobalAveragePool(x *Node) (*Node, error) { return Apply(globalPool{}, x) }

// GlobalMaxPool takes each channel's spatial maximum.
func GlobalMaxPool(x *Node) (*Node, error) { return Apply(globalPool{max: true}, x) }
