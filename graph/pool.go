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

// window visits the input offsets (within one plane) of output (oy, ox);
// padding is skipped. It returns the AveragePool divisor.
func (k pool) window(h, w, oy, ox int, f func(off int)) int {
	p := k.p
	y0, x0 := oy*p.Strides[0]-p.Pads[0], ox*p.Strides[1]-p.Pads[1]
	n := 0
	for i := 0; i < p.Kernel[0]; i++ {
		y := y0 + i*p.Dilations[0]
		for j := 0; j < p.Kernel[1]; j++ {
			x := x0 + j*p.Dilations[1]
			if y >= 0 && y < h && x >= 0 && x < w {
				f(y*w + x)
				n++
			} else if k.p.CountIncludePad && y >= -p.Pads[0] && y < h+p.Pads[2] && x >= -p.Pads[1] && x < w+p.Pads[3] {
				n++
			}
		}
	}
	return n
}

func (k pool) planes(in *Tensor, out *Tensor, f func(src []float32, plane, oy, ox, o int)) {
	h, w := in.Shape[2], in.Shape[3]
	oh, ow := out.Shape[2], out.Shape[3]
	for pl := 0; pl < in.Shape[0]*in.Shape[1]; pl++ {
		src := in.Data[pl*h*w : (pl+1)*h*w]
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				f(src, pl, oy, ox, (pl*oh+oy)*ow+ox)
			}
		}
	}
}

func (k pool) Forward(in []*Tensor, out *Tensor) {
	h, w := in[0].Shape[2], in[0].Shape[3]
	k.planes(in[0], out, func(src []float32, _, oy, ox, o int) {
		if k.max {
			m := float32(math.Inf(-1))
			k.window(h, w, oy, ox, func(off int) { m = max(m, src[off]) })
			out.Data[o] = m
			return
		}
		s := float32(0)
		n := k.window(h, w, oy, ox, func(off int) { s += src[off] })
		if n > 0 {
			out.Data[o] = s / float32(n)
		}
	})
}

// Backward routes MaxPool's gradient to the first maximum of each window
// (as onnxruntime and PyTorch pick it) and spreads AveragePool's evenly over
// the pixels each window covers.
func (k pool) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	h, w := in[0].Shape[2], in[0].Shape[3]
	k.planes(in[0], out, func(src []float32, pl, oy, ox, o int) {
		g := gout.Data[o]
		dst := gin.Data[pl*h*w : (pl+1)*h*w]
		if k.max {
			best, arg := float32(math.Inf(-1)), -1
			k.window(h, w, oy, ox, func(off int) {
				if src[off] > best || arg < 0 {
					best, arg = src[off], off
				}
			})
			if arg >= 0 {
				dst[arg] += g
			}
			return
		}
		n := k.window(h, w, oy, ox, func(int) {})
		if n == 0 {
			return
		}
		g /= float32(n)
		k.window(h, w, oy, ox, func(off int) { dst[off] += g })
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
