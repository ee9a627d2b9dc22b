package onnxload

import (
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
