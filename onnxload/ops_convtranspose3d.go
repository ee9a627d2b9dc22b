package onnxload

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// opConvTranspose3D is ConvTranspose on [N,C,D,H,W]: its attributes per
// axis, the output size as ONNX derives it (from output_shape, auto_pad,
// or the pads and output_padding), then the bias added per channel.
func opConvTranspose3D(n *Node, x, w, bias *graph.Node) ([]value, error) {
	xs, ws := x.Shape(), w.Shape()
	a := attrs{n: n}
	p := graph.ConvTranspose3DParams{Group: int(a.int("group", 1))}
	mode := a.string("auto_pad", "NOTSET")
	if a.err != nil {
		return nil, a.err
	}
	ints := func(name string, k int, def int64) ([]int, error) {
		v, has, err := attrInts(n, name)
		if err != nil {
			return nil, err
		}
		out := make([]int, k)
		for i := range out {
			out[i] = int(def)
		}
		if !has {
			return out, nil
		}
		if len(v) != k {
			return nil, fmt.Errorf("attribute %s = %v: want %d values", name, v, k)
		}
		for i, e := range v {
			if e < 0 || e > 1<<20 {
				return nil, fmt.Errorf("attribute %s = %v is out of range", name, v)
			}
			out[i] = int(e)
		}
		return out, nil
	}
	strides, err := ints("strides", 3, 1)
	if err != nil {
		return nil, err
	}
	dil, err := ints("dilations", 3, 1)
	if err != nil {
		return nil, err
	}
	pads, err := ints("pads", 6, 0)
	if err != nil {
		return nil, err
	}
	outPad, err := ints("output_padding", 3, 0)
	if err != nil {
		return nil, err
	}
	shape, hasShape, err := attrInts(n, "output_shape")
	if err != nil {
		return nil, err
	}
	for d := 0; d < 3; d++ {
		if strides[d] == 0 || dil[d] == 0 {
			return nil, fmt.Errorf("strides %v and dilations %v must be positive", strides, dil)
		}
		p.Strides[d], p.Dilations[d] = strides[d], dil[d]
		full := strides[d]*(xs[2+d]-1) + (ws[2+d]-1)*dil[d] + 1 + outPad[d]
		switch {
		case hasShape && len(shape) >= 3:
			v := shape[len(shape)-3+d]
			if v <= 0 || v > 1<<20 {
				return nil, fmt.Errorf("output_shape %v: sizes must be positive", shape)
			}
			p.Out[d] = int(v)
			total := max(full-p.Out[d], 0)
			p.Pads[d] = total - total/2
			if mode == "SAME_UPPER" {
				p.Pads[d] = total / 2
			}
		case mode == "SAME_UPPER" || mode == "SAME_LOWER":
			p.Out[d] = xs[2+d] * strides[d]
			total := max(full-p.Out[d], 0)
			p.Pads[d] = total - total/2
			if mode == "SAME_UPPER" {
				p.Pads[d] = total / 2
			}
		default:
			p.Pads[d] = pads[d]
			p.Out[d] = full - pads[d] - pads[d+3]
		}
		if p.Out[d] <= 0 {
			return nil, fmt.Errorf("output size %v is empty (input %v, weight %v, pads %v)", p.Out, xs, ws, pads)
		}
	}
	y, err := graph.ConvTranspose3D(x, w, p)
	if err != nil {
		return nil, err
	}
	if bias != nil {
		b, err := graph.Reshape(bias, []int{1, bias.Shape()[0], 1, 1, 1})
		if err != nil {
			return nil, err
		}
		if y, err = graph.Add(y, b); err != nil {
			return nil, err
		}
	}
	return one(y, nil)
}
