package graph

import (
	"fmt"
	"math"
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
	memo *Memo // MaxPool's argmax per output, from forward to backward
}

func (k pool) String() string {
	name := "AveragePool"
	if k.max {
		name = "MaxPool"
	}
	return fmt.Sprintf("%s(k=%v,s=%v,p=%v,ceil=%v)", name, k.p.Kernel, k.p.Strides, k.p.Pads, k.p.CeilMode)
}

func (k pool) Diffable(int) bool { return true }

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

// span returns, for output index o along one axis, the first input index
// of the window and the range of kernel taps [k0, k1) that land inside the
// input; count is the number of taps inside the padded input (for
// count_include_pad).
func span(o, stride, pad, k, dil, in, padEnd int) (start, k0, k1, count int) {
	start = o*stride - pad
	k0, k1 = 0, k
	for k0 < k && start+k0*dil < 0 {
		k0++
	}
	for k1 > k0 && start+(k1-1)*dil >= in {
		k1--
	}
	for t := 0; t < k; t++ {
		if p := start + t*dil; p >= -pad && p < in+padEnd {
			count++
		}
	}
	return
}

type window struct {
	y0, i0, i1, cy int
	x0, j0, j1, cx int
}

// windows precomputes every output position's window.
func (k pool) windows(h, w, oh, ow int) []window {
	p := k.p
	rows := make([][4]int, oh)
	for oy := range rows {
		a, b, c, d := span(oy, p.Strides[0], p.Pads[0], p.Kernel[0], p.Dilations[0], h, p.Pads[2])
		rows[oy] = [4]int{a, b, c, d}
	}
	out := make([]window, 0, oh*ow)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			a, b, c, d := span(ox, p.Strides[1], p.Pads[1], p.Kernel[1], p.Dilations[1], w, p.Pads[3])
			r := rows[oy]
			out = append(out, window{r[0], r[1], r[2], r[3], a, b, c, d})
		}
	}
	return out
}

// divisor is AveragePool's: pixels inside the input, or inside the padded
// input with count_include_pad.
func (k pool) divisor(wd window) float32 {
	if k.p.CountIncludePad {
		return float32(wd.cy * wd.cx)
	}
	return float32((wd.i1 - wd.i0) * (wd.j1 - wd.j0))
}

// argmax returns the offset (in the plane) of the first maximum of a
// window, or -1 for a window entirely in the padding.
func (k pool) argmax(src []float32, w int, wd window) int {
	if wd.i0 >= wd.i1 || wd.j0 >= wd.j1 {
		return -1
	}
	if k.p.Dilations == [2]int{1, 1} {
		return argmaxDense(src, w, wd)
	}
	dy, dx := k.p.Dilations[0], k.p.Dilations[1]
	arg := (wd.y0+wd.i0*dy)*w + wd.x0 + wd.j0*dx
	best := src[arg]
	for i := wd.i0; i < wd.i1; i++ {
		base := (wd.y0+i*dy)*w + wd.x0
		for j := wd.j0; j < wd.j1; j++ {
			if v := src[base+j*dx]; v > best {
				best, arg = v, base+j*dx
			}
		}
	}
	return arg
}

// argmaxDense is argmax for undilated windows: row slices, no index
// arithmetic in the inner loop.
func argmaxDense(src []float32, w int, wd window) int {
	base := (wd.y0+wd.i0)*w + wd.x0
	arg := base + wd.j0
	best := src[arg]
	for i := wd.i0; i < wd.i1; i++ {
		row := src[(wd.y0+i)*w+wd.x0+wd.j0 : (wd.y0+i)*w+wd.x0+wd.j1]
		for j, v := range row {
			if v > best {
				best, arg = v, (wd.y0+i)*w+wd.x0+wd.j0+j
			}
		}
	}
	return arg
}

func (k pool) Forward(in []*Tensor, out *Tensor) {
	h, w := in[0].Shape[2], in[0].Shape[3]
	oh, ow := out.Shape[2], out.Shape[3]
	wins := k.windows(h, w, oh, ow)
	dy, dx := k.p.Dilations[0], k.p.Dilations[1]
	var args []int32
	if k.max {
		args = make([]int32, len(out.Data))
	}
	parallelFor(in[0].Shape[0]*in[0].Shape[1], func(pl int) {
		src := in[0].Data[pl*h*w : (pl+1)*h*w]
		dst := out.Data[pl*oh*ow : (pl+1)*oh*ow]
		for o, wd := range wins {
			if k.max {
				a := k.argmax(src, w, wd)
				args[pl*oh*ow+o] = int32(a)
				if a >= 0 {
					dst[o] = src[a]
				} else {
					dst[o] = float32(math.Inf(-1))
				}
				continue
			}
			s := float32(0)
			for i := wd.i0; i < wd.i1; i++ {
				row := (wd.y0 + i*dy) * w
				for j := wd.j0; j < wd.j1; j++ {
					s += src[row+wd.x0+j*dx]
				}
			}
			if n := k.divisor(wd); n > 0 {
				dst[o] = s / n
			}
		}
	})
	if k.max {
		k.memo.Put(in[0], args)
	}
}

// Backward routes MaxPool's gradient to the first maximum of each window
// (as onnxruntime and PyTorch pick it) and spreads AveragePool's evenly over
// the pixels each window covers.
func (k pool) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	h, w := in[0].Shape[2], in[0].Shape[3]
	oh, ow := out.Shape[2], out.Shape[3]
	wins := k.windows(h, w, oh, ow)
	dy, dx := k.p.Dilations[0], k.p.Dilations[1]
	var args []int32
	if v, ok := k.memo.Get(in[0]); ok {
		args = v.([]int32)
	}
	parallelFor(in[0].Shape[0]*in[0].Shape[1], func(pl int) {
		src := in[0].Data[pl*h*w : (pl+1)*h*w]
		dst := gin.Data[pl*h*w : (pl+1)*h*w]
		g := gout.Data[pl*oh*ow : (pl+1)*oh*ow]
		for o, wd := range wins {
			if k.max {
				a := -1
				if args != nil {
					a = int(args[pl*oh*ow+o])
				} else {
					a = k.argmax(src, w, wd)
				}
				if a >= 0 {
					dst[a] += g[o]
				}
				continue
			}
			n := k.divisor(wd)
			if n == 0 {
				continue
			}
			v := g[o] / n
			for i := wd.i0; i < wd.i1; i++ {
				row := (wd.y0 + i*dy) * w
				for j := wd.j0; j < wd.j1; j++ {
					dst[row+wd.x0+j*dx] += v
				}
			}
		}
	})
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
