package graph

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
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
	p    PoolParams
	max  bool
	memo *Memo // MaxPool: each window's first maximum, from forward to backward
}

func (k pool) String() string {
	name := "AveragePool"
	if k.max {
		name = "MaxPool"
	}
	return fmt.Sprintf("%s(k=%v,s=%v,p=%v,ceil=%v)", name, k.p.Kernel, k.p.Strides, k.p.Pads, k.p.CeilMode)
}

func (k pool) Diffable(int) bool { return true }

// Overwrites implements Overwriter: the forward pass sets every output, and
// the gradient clears each input plane itself before adding into it, while
// the plane is in the core's cache (the whole gradient cleared first, in
// one pass on one core, made a batch of four SqueezeNet starts' max-pool
// gradient 7× one start's time).
func (k pool) Overwrites(bool, int) bool { return true }

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

// Forward: MaxPool records each window's first maximum for the backward
// pass (see maxForward); AveragePool sums down the window's rows into a row
// buffer, then across it.
func (k pool) Forward(in []*Tensor, out *Tensor) {
	if k.max {
		n := len(out.Data)
		args, ok := k.memo.Last().([]int32)
		if !ok || len(args) != n {
			args = make([]int32, n)
		}
		k.maxForward(in[0], out, args)
		k.memo.Put(in[0], args)
		return
	}
	h, w := in[0].Shape[2], in[0].Shape[3]
	oh, ow := out.Shape[2], out.Shape[3]
	rows, cols := k.geometry(h, w, oh, ow)
	dy, dx := k.p.Dilations[0], k.p.Dilations[1]
	parallel.For(in[0].Shape[0]*in[0].Shape[1], func(pl int) {
		src := in[0].Data[pl*h*w : (pl+1)*h*w]
		dst := out.Data[pl*oh*ow : (pl+1)*oh*ow]
		acc := make([]float32, w)
		for oy, r := range rows {
			d := dst[oy*ow : (oy+1)*ow]
			if r.k0 >= r.k1 {
				clear(d)
				continue
			}
			copy(acc, src[(r.start+r.k0*dy)*w:][:w])
			for i := r.k0 + 1; i < r.k1; i++ {
				for x, v := range src[(r.start+i*dy)*w:][:w] {
					acc[x] += v
				}
			}
			for ox, c := range cols {
				s := float32(0)
				for j := c.k0; j < c.k1; j++ {
					s += acc[c.start+j*dx]
				}
				d[ox] = 0
				if n := k.divisor(r, c); n > 0 {
					d[ox] = s / n
				}
			}
		}
	})
}

// maxForward sets each window's maximum and, in args, the offset in its
// plane of the window's first maximum in row-major order (as onnxruntime
// and PyTorch pick it), −1 for a window in the padding. Windows wholly
// inside a row run eight at a time, one tap after another (ArgmaxTap); a
// running argmax per window branches on the data, and mispredicting about
// half those branches made pooling the most expensive op of a SqueezeNet
// pool0 inversion.
func (k pool) maxForward(in, out *Tensor, args []int32) {
	h, w := in.Shape[2], in.Shape[3]
	oh, ow := out.Shape[2], out.Shape[3]
	rows, cols := k.geometry(h, w, oh, ow)
	dy, dx := k.p.Dilations[0], k.p.Dilations[1]
	sw, pl := k.p.Strides[1], k.p.Pads[1]
	negInf := float32(math.Inf(-1))
	a, b := k.interior(cols)
	parallel.For(in.Shape[0]*in.Shape[1], func(plane int) {
		src := in.Data[plane*h*w : (plane+1)*h*w]
		dst := out.Data[plane*oh*ow : (plane+1)*oh*ow]
		arg := args[plane*oh*ow : (plane+1)*oh*ow]
		var rs rowScratch
		for oy, r := range rows {
			d, ar := dst[oy*ow:(oy+1)*ow], arg[oy*ow:(oy+1)*ow]
			for i := range d {
				d[i], ar[i] = negInf, -1
			}
			if r.k0 >= r.k1 {
				continue
			}
			a2 := a
			if b > a && k.p.Kernel == [2]int{3, 3} && sw == 2 && r.k0 == 0 && r.k1 == 3 {
				// The common 3×3 stride-2 window, all nine taps at once.
				var off [3]int
				for i := range off {
					off[i] = (r.start + i*dy) * w
				}
				// The rows run on into the rest of the tensor, which
				// MaxPool3s2 may read one float of.
				x0, rest := a*sw-pl, in.Data[plane*h*w:]
				a2 += vec.MaxPool3s2(d[a:b], ar[a:b], rest[off[0]+x0:], rest[off[1]+x0:], rest[off[2]+x0:],
					int32(off[0]), int32(off[1]), int32(off[2]), int32(x0))
			}
			if b > a2 {
				n := b - a2
				for i := r.k0; i < r.k1; i++ {
					off := (r.start + i*dy) * w
					row := src[off:][:w]
					if sw == 2 {
						rs.split(row)
					}
					for j := 0; j < k.p.Kernel[1]; j++ {
						odd, at := k.tapRun(a2, j)
						tap := row
						if sw == 2 {
							tap = rs.e
							if odd {
								tap = rs.o
							}
						}
						vec.ArgmaxTap(d[a2:b], ar[a2:b], tap[at:at+n], int32(off+a2*sw-pl+j), int32(sw))
					}
				}
			}
			for ox, c := range cols {
				if ox >= a && ox < b {
					continue
				}
				for i := r.k0; i < r.k1; i++ {
					off := (r.start + i*dy) * w
					for j := c.k0; j < c.k1; j++ {
						if v := src[off+c.start+j*dx]; v > d[ox] {
							d[ox], ar[ox] = v, int32(off+c.start+j*dx)
						}
					}
				}
			}
		}
	})
}

// Backward routes MaxPool's gradient to the first maximum of each window
// and spreads AveragePool's evenly over the pixels each window covers.
// GradReads implements GradReader: the average's gradient reads nothing;
// the maximum's its input (the forward pass's argmax is memoised by it).
func (k pool) GradReads(i, j int) bool { return k.max && j == 0 }

func (k pool) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	h, w := in[0].Shape[2], in[0].Shape[3]
	oh, ow := out.Shape[2], out.Shape[3]
	if k.max {
		v, ok := k.memo.Get(in[0])
		args, _ := v.([]int32)
		if !ok || len(args) != len(out.Data) {
			args = make([]int32, len(out.Data))
			k.maxForward(in[0], NewTensor(out.Shape...), args)
		}
		parallel.For(in[0].Shape[0]*in[0].Shape[1], func(pl int) {
			dst := gin.Data[pl*h*w : (pl+1)*h*w]
			clear(dst)
			g := gout.Data[pl*oh*ow : (pl+1)*oh*ow]
			for o, a := range args[pl*oh*ow : (pl+1)*oh*ow] {
				if a >= 0 {
					dst[a] += g[o]
				}
			}
		})
		return
	}
	rows, cols := k.geometry(h, w, oh, ow)
	dy, dx := k.p.Dilations[0], k.p.Dilations[1]
	parallel.For(in[0].Shape[0]*in[0].Shape[1], func(pl int) {
		dst := gin.Data[pl*h*w : (pl+1)*h*w]
		clear(dst)
		g := gout.Data[pl*oh*ow : (pl+1)*oh*ow]
		for oy, r := range rows {
			for ox, c := range cols {
				n := k.divisor(r, c)
				if n == 0 {
					continue
				}
				v := g[oy*ow+ox] / n
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

// rowScratch is one goroutine's even and odd halves of a row.
type rowScratch struct{ e, o []float32 }

// interior is the outputs [a, b) whose windows lie wholly inside the row
// and whose taps are therefore whole strided runs of it, for ArgmaxTap;
// b = a where the geometry has no vector path (dilated columns, or a
// stride other than 1 or 2).
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
	h := (len(row) + 1) / 2
	if len(rs.e) < h {
		rs.e, rs.o = make([]float32, h), make([]float32, h)
	}
	vec.Deinterleave(rs.e[:len(row)/2], rs.o[:len(row)/2], row)
	if len(row)%2 == 1 {
		rs.e[len(row)/2] = row[len(row)-1]
	}
}

func (p PoolParams) withDefaults() PoolParams {
	onesForZeros(&p.Strides, &p.Dilations)
	return p
}

// MaxPool is 2-D max pooling.
func MaxPool(x *Node, p PoolParams) (*Node, error) {
	return Apply(pool{p: p.withDefaults(), max: true, memo: &Memo{}}, x)
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

// Forward: planes in parallel, an average as a float32 vector sum shifted
// by the plane's first value (so that it does not cancel).
func (k globalPool) Forward(in []*Tensor, out *Tensor) {
	sz := len(in[0].Data) / len(out.Data)
	parallel.For(len(out.Data), func(p int) {
		src := in[0].Data[p*sz : (p+1)*sz]
		if k.max {
			m := src[0]
			for _, v := range src {
				m = max(m, v)
			}
			out.Data[p] = m
			return
		}
		s, _ := vec.SumSq(src, src[0])
		out.Data[p] = src[0] + s/float32(sz)
	})
}

// Overwrites implements Overwriter: the average's gradient is set
// everywhere, the maximum's only at each plane's maximum.
func (k globalPool) Overwrites(grad bool, _ int) bool { return !grad || !k.max }

// GradReads implements GradReader: the average's gradient reads nothing,
// the maximum's everything.
func (k globalPool) GradReads(i, j int) bool { return k.max }

func (k globalPool) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	sz := len(in[0].Data) / len(out.Data)
	parallel.For(len(gout.Data), func(p int) {
		g := gout.Data[p]
		src, dst := in[0].Data[p*sz:(p+1)*sz], gin.Data[p*sz:(p+1)*sz]
		if k.max {
			for i, v := range src {
				if v == out.Data[p] {
					dst[i] = g
					break
				}
			}
			return
		}
		g /= float32(sz)
		for i := range dst {
			dst[i] = g
		}
	})
}

// GlobalAveragePool averages each channel's spatial plane. It replaces
// gorgonia's GlobalAveragePool2D, which has no gradient.
func GlobalAveragePool(x *Node) (*Node, error) { return Apply(globalPool{}, x) }

// GlobalMaxPool takes each channel's spatial maximum.
func GlobalMaxPool(x *Node) (*Node, error) { return Apply(globalPool{max: true}, x) }
