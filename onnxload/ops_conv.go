package onnxload

// Convolutions and windowed ops: Conv, pooling, LRN.

import (
	"errors"
	"fmt"

	"github.com/invrep/invrep/graph"
)

var convOps = map[string]opFunc{
	"Conv": oneD(opConv), "ConvTranspose": oneD(opConvTranspose), "MaxPool": oneD(threeD(opPool(true))), "AveragePool": oneD(threeD(opPool(false))),
	"GlobalAveragePool": unaryOp(graph.GlobalAveragePool), "GlobalMaxPool": unaryOp(graph.GlobalMaxPool),
	"LRN": opLRN,
}

// spatial reads a 2-element spatial attribute (kernel_shape, strides, dilations).
func spatial(n *Node, name string, def int) ([2]int, error) {
	v, ok, err := attrInts(n, name)
	if err != nil {
		return [2]int{}, err
	}
	if !ok {
		return [2]int{def, def}, nil
	}
	if len(v) == 1 { // a 1-D window, read as 1×k (oneD)
		v = []int64{1, v[0]}
	}
	if len(v) != 2 {
		return [2]int{}, fmt.Errorf("attribute %s = %v: only 1-D and 2-D windows are supported", name, v)
	}
	if v[0] <= 0 || v[1] <= 0 {
		return [2]int{}, fmt.Errorf("attribute %s = %v must be positive", name, v)
	}
	return [2]int{int(v[0]), int(v[1])}, nil
}

func pads4(n *Node) ([4]int, error) {
	v, ok, err := attrInts(n, "pads")
	if err != nil || !ok {
		return [4]int{}, err
	}
	if len(v) != 4 {
		return [4]int{}, fmt.Errorf("attribute pads = %v: want 4 values", v)
	}
	var p [4]int
	for i := range p {
		if v[i] < 0 {
			return p, fmt.Errorf("attribute pads = %v must not be negative", v)
		}
		p[i] = int(v[i])
	}
	return p, nil
}

// window reads the strides, dilations and pads of a convolution or pooling
// window of size k over input x, resolving auto_pad.
func window(n *Node, x []int, k [2]int) (strides, dilations [2]int, pads [4]int, err error) {
	if strides, err = spatial(n, "strides", 1); err != nil {
		return
	}
	if dilations, err = spatial(n, "dilations", 1); err != nil {
		return
	}
	if pads, err = pads4(n); err != nil {
		return
	}
	a := attrs{n: n}
	mode := a.string("auto_pad", "NOTSET")
	if a.err != nil {
		return strides, dilations, pads, a.err
	}
	pads, err = graph.AutoPad(mode, [2]int{x[2], x[3]}, k, strides, dilations, pads)
	return
}

func opConv(b *builder, n *Node, in []value) ([]value, error) {
	ops, err := b.operandsOf(n, in, 2, 1)
	if err != nil {
		return nil, err
	}
	x, w, bias := ops[0], ops[1], ops[2]
	ws := w.Shape()
	if len(ws) != 4 || len(x.Shape()) != 4 {
		return nil, fmt.Errorf("only 2-D convolution is supported (input %v, weight %v)", x.Shape(), ws)
	}
	a := attrs{n: n}
	p := graph.ConvParams{Group: int(a.int("group", 1))}
	if a.err != nil {
		return nil, a.err
	}
	if p.Group <= 0 {
		return nil, fmt.Errorf("attribute group = %d must be positive", p.Group)
	}
	k, err := spatial(n, "kernel_shape", 0)
	if err != nil {
		return nil, err
	}
	if k != [2]int{0, 0} && k != [2]int{ws[2], ws[3]} {
		return nil, fmt.Errorf("kernel_shape %v does not match weight %v", k, ws)
	}
	if p.Strides, p.Dilations, p.Pads, err = window(n, x.Shape(), [2]int{ws[2], ws[3]}); err != nil {
		return nil, err
	}
	p.Exact = b.exact
	if b.fuse.convRelu[n] {
		return one(graph.ConvRelu(x, w, bias, p))
	}
	return one(graph.Conv(x, w, bias, p))
}

// exactConv is opConv on integer operands, built so that the accumulator
// is exact (no Winograd).
func exactConv(b *builder, n *Node, in []value) ([]value, error) {
	b.exact = true
	defer func() { b.exact = false }()
	return opConv(b, n, in)
}

// opRelu passes its input through where the Conv or BatchNormalization
// before it was built with the Relu fused in.
func opRelu(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	if b.fuse.convRelu[n] {
		return one(x, nil)
	}
	return one(graph.Relu(x))
}

func opPool(isMax bool) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		if len(x.Shape()) != 4 {
			return nil, fmt.Errorf("only 2-D pooling is supported (input %v)", x.Shape())
		}
		var p graph.PoolParams
		if p.Kernel, err = spatial(n, "kernel_shape", 0); err != nil {
			return nil, err
		}
		if p.Kernel[0] == 0 {
			return nil, errors.New("attribute kernel_shape is required")
		}
		if p.Strides, p.Dilations, p.Pads, err = window(n, x.Shape(), p.Kernel); err != nil {
			return nil, err
		}
		a := attrs{n: n}
		p.CeilMode = a.int("ceil_mode", 0) != 0
		p.CountIncludePad = a.int("count_include_pad", 0) != 0
		if a.err != nil {
			return nil, a.err
		}
		if isMax {
			return one(graph.MaxPool(x, p))
		}
		return one(graph.AveragePool(x, p))
	}
}

func opLRN(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	a := attrs{n: n}
	p := graph.LRNParams{Size: int(a.int("size", 0)), Alpha: float64(a.float("alpha", 1e-4)),
		Beta: float64(a.float("beta", 0.75)), Bias: float64(a.float("bias", 1))}
	if a.err != nil {
		return nil, a.err
	}
	return one(graph.LRN(x, p))
}

// opConvTranspose derives the output size as ONNX does: from output_shape
// (the pads then split as auto_pad says) or from the input, the pads and
// output_padding.
func opConvTranspose(b *builder, n *Node, in []value) ([]value, error) {
	ops, err := b.operandsOf(n, in, 2, 1)
	if err != nil {
		return nil, err
	}
	x, w, bias := ops[0], ops[1], ops[2]
	xs, ws := x.Shape(), w.Shape()
	if len(xs) == 5 && len(ws) == 5 {
		return opConvTranspose3D(n, x, w, bias)
	}
	if len(xs) != 4 || len(ws) != 4 {
		return nil, fmt.Errorf("only 1-D, 2-D and 3-D transposed convolutions are supported (input %v, weight %v)", xs, ws)
	}
	a := attrs{n: n}
	p := graph.ConvParams{Group: int(a.int("group", 1))}
	mode := a.string("auto_pad", "NOTSET")
	if a.err != nil {
		return nil, a.err
	}
	if p.Group <= 0 {
		return nil, fmt.Errorf("attribute group = %d must be positive", p.Group)
	}
	if p.Strides, err = spatial(n, "strides", 1); err != nil {
		return nil, err
	}
	if p.Dilations, err = spatial(n, "dilations", 1); err != nil {
		return nil, err
	}
	if p.Pads, err = pads4(n); err != nil {
		return nil, err
	}
	outPad, _, err := attrInts(n, "output_padding")
	if err != nil {
		return nil, err
	}
	shape, hasShape, err := attrInts(n, "output_shape")
	if err != nil {
		return nil, err
	}
	var out [2]int
	for d := 0; d < 2; d++ {
		k := (ws[2+d]-1)*p.Dilations[d] + 1
		full := p.Strides[d]*(xs[2+d]-1) + k
		if len(outPad) == 2 {
			full += int(outPad[d])
		}
		switch {
		case hasShape && len(shape) >= 2:
			if v := shape[len(shape)-2+d]; v <= 0 {
				return nil, fmt.Errorf("output_shape %v: sizes must be positive", shape)
			}
			out[d] = int(shape[len(shape)-2+d])
			total := full - out[d]
			if total < 0 {
				// Larger than the input covers: the spec's negative total
				// padding, rows and columns past the input's reach (as
				// output_padding adds); the transposed convolution leaves
				// them at the bias.
				p.Pads[d], p.Pads[d+2] = 0, 0
				continue
			}
			if mode == "SAME_UPPER" {
				p.Pads[d], p.Pads[d+2] = total/2, total-total/2
			} else {
				p.Pads[d], p.Pads[d+2] = total-total/2, total/2
			}
		case mode == "SAME_UPPER" || mode == "SAME_LOWER":
			out[d] = xs[2+d] * p.Strides[d]
			total := max(full-out[d], 0)
			if mode == "SAME_UPPER" {
				p.Pads[d], p.Pads[d+2] = total/2, total-total/2
			} else {
				p.Pads[d], p.Pads[d+2] = total-total/2, total/2
			}
		default:
			out[d] = full - p.Pads[d] - p.Pads[d+2]
		}
	}
	return one(graph.ConvTranspose(x, w, bias, p, out))
}
