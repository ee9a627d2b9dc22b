package onnxload

import (
	"errors"
	"fmt"

	"github.com/invrep/invrep/graph"
)

// Audio and signal CNNs convolve and pool along one axis: [N, C, L]
// inputs, [M, C/g, k] weights. oneD builds such a node as its 2-D form on
// [N, C, 1, L], each window attribute given a leading 1 (or 0 for pads),
// and the result reshaped back to three axes: the same values, and the
// 2-D ops' gradients.
func oneD(f opFunc) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		if !present(in, 0) || in[0].f == nil || len(in[0].f.Shape()) != 3 {
			return f(b, n, in)
		}
		in2 := append([]value(nil), in...)
		for k := range min(len(in2), 2) { // the input, and the weight
			v := in2[k]
			if v.f == nil || len(v.f.Shape()) != 3 {
				continue
			}
			s := v.f.Shape()
			r, err := graph.Reshape(v.f, []int{s[0], s[1], 1, s[2]})
			if err != nil {
				return nil, err
			}
			in2[k] = value{f: r}
		}
		n2 := *n
		n2.Attrs = map[string]any{}
		for key, a := range n.Attrs {
			n2.Attrs[key] = a
			v, ok := a.([]int64)
			if !ok {
				continue
			}
			switch key {
			case "kernel_shape", "strides", "dilations", "output_shape", "output_padding":
				if len(v) == 1 {
					n2.Attrs[key] = []int64{1, v[0]}
				}
				if key == "output_padding" && len(v) == 1 {
					n2.Attrs[key] = []int64{0, v[0]}
				}
			case "pads":
				if len(v) == 2 {
					n2.Attrs[key] = []int64{0, v[0], 0, v[1]}
				}
			}
		}
		outs, err := f(b, &n2, in2)
		if err != nil {
			return nil, err
		}
		for k, o := range outs {
			if o.f == nil || len(o.f.Shape()) != 4 {
				continue
			}
			s := o.f.Shape()
			r, err := graph.Reshape(o.f, []int{s[0], s[1], s[3]})
			if err != nil {
				return nil, err
			}
			outs[k] = value{f: r}
		}
		return outs, nil
	}
}

// threeD builds a 3-D max or average pooling ([N, C, D, H, W]) as two
// 2-D ones, a box being separable: over (H, W) on [N, C·D, H, W], then
// over D on [N, C, D, H′·W′] with a D×1 window. An average that leaves out
// padding (count_include_pad 0) is not separable at padded borders and is
// refused there.
func threeD(f opFunc) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		if !present(in, 0) || in[0].f == nil || len(in[0].f.Shape()) != 5 {
			return f(b, n, in)
		}
		s := in[0].f.Shape()
		at := func(key string, def int64, k int) ([]int64, error) {
			v, ok, err := attrInts(n, key)
			if err != nil {
				return nil, err
			}
			if !ok {
				v = make([]int64, k)
				for i := range v {
					v[i] = def
				}
			}
			if len(v) != k {
				return nil, fmt.Errorf("attribute %s = %v: want %d values for a 3-D window", key, v, k)
			}
			return v, nil
		}
		k, err := at("kernel_shape", 1, 3)
		if err != nil {
			return nil, err
		}
		st, err := at("strides", 1, 3)
		if err != nil {
			return nil, err
		}
		dl, err := at("dilations", 1, 3)
		if err != nil {
			return nil, err
		}
		p, err := at("pads", 0, 6)
		if err != nil {
			return nil, err
		}
		if n.OpType == "AveragePool" {
			if cip, _ := attrInt(n, "count_include_pad", 0); cip == 0 && (p[0] != 0 || p[3] != 0) {
				return nil, errors.New("a 3-D average that leaves out padding along D is not supported")
			}
		}
		if ap, _ := n.Attrs["auto_pad"].(string); ap != "" && ap != "NOTSET" && ap != "VALID" {
			return nil, fmt.Errorf("auto_pad %s on a 3-D window is not supported", ap)
		}
		stage := func(x *graph.Node, kk, ss, dd, pp []int64) (*graph.Node, error) {
			m := *n
			m.Attrs = map[string]any{}
			for key, a := range n.Attrs {
				m.Attrs[key] = a
			}
			m.Attrs["kernel_shape"], m.Attrs["strides"], m.Attrs["dilations"], m.Attrs["pads"] = kk, ss, dd, pp
			outs, err := f(b, &m, []value{{f: x}})
			if err != nil {
				return nil, err
			}
			return outs[0].f, nil
		}
		hw, err := graph.Reshape(in[0].f, []int{s[0], s[1] * s[2], s[3], s[4]})
		if err != nil {
			return nil, err
		}
		y1, err := stage(hw, k[1:], st[1:], dl[1:], []int64{p[1], p[2], p[4], p[5]})
		if err != nil {
			return nil, err
		}
		s1 := y1.Shape()
		d, err := graph.Reshape(y1, []int{s[0], s[1], s[2], s1[2] * s1[3]})
		if err != nil {
			return nil, err
		}
		y2, err := stage(d, []int64{k[0], 1}, []int64{st[0], 1}, []int64{dl[0], 1}, []int64{p[0], 0, p[3], 0})
		if err != nil {
			return nil, err
		}
		return one(graph.Reshape(y2, []int{s[0], s[1], y2.Shape()[2], s1[2], s1[3]}))
	}
}
