package onnxload

import (
	"fmt"
	"strings"

	"github.com/invrep/invrep/graph"
)

// Layout is how a model's image input is laid out. Photos always enter
// the graph as [N,C,H,W]; a model that declares another layout gets them
// transposed (NHWC, as tf2onnx writes Keras and TFLite models) or
// unbatched (CHW, as torchvision's detectors take them) before its first
// node.
type Layout string

const (
	// LayoutNCHW is the default: the graph input is the model's input.
	LayoutNCHW Layout = "nchw"
	// LayoutNHWC is a channels-last input [N,H,W,C].
	LayoutNHWC Layout = "nhwc"
	// LayoutCHW is an unbatched input [C,H,W] (the batch must be 1).
	LayoutCHW Layout = "chw"
)

// ParseLayout reads a --layout value.
func ParseLayout(s string) (Layout, error) {
	switch l := Layout(strings.ToLower(strings.TrimSpace(s))); l {
	case LayoutNCHW, LayoutNHWC, LayoutCHW:
		return l, nil
	}
	return "", fmt.Errorf("layout %q: want nchw, nhwc or chw", s)
}

// DetectLayout infers the layout of an image input from its declared
// shape and what reads it: a last axis of 3 or 1 that a Transpose to
// channels first (perm 0,3,1,2) or a channels-last convolution reads is
// NHWC; rank 3 with 3 or 1 first is CHW; a second axis of 3 or 1 is NCHW.
// A last axis of 3 or 1 that nothing confirms, beside a second axis that
// could be channels too, is ambiguous: an error asks for --layout.
func (m *Model) DetectLayout() (Layout, error) {
	if len(m.Inputs) == 0 {
		return "", m.noInput()
	}
	in := m.Inputs[0]
	d := in.Dims
	channels := func(i int) bool { return in.Params[i] == "" && (d[i] == 3 || d[i] == 1) }
	switch {
	case len(d) == 3 && channels(0):
		return LayoutCHW, nil
	case len(d) != 4:
		return LayoutNCHW, nil
	case channels(3) && !channels(1):
		if m.readsChannelsLast(in.Name) {
			return LayoutNHWC, nil
		}
		return "", fmt.Errorf("%s: input %q is declared %v: channels last by its shape, but no Transpose to channels first reads it; give --layout nhwc or nchw", m.where(), in.Name, in)
	}
	return LayoutNCHW, nil
}

// readsChannelsLast says whether a node that expects channels last reads
// the value: a Transpose with perm 0,3,1,2, or onnxruntime's NhwcConv.
func (m *Model) readsChannelsLast(name string) bool {
	for i := range m.Nodes {
		n := &m.Nodes[i]
		if len(n.Inputs) == 0 || n.Inputs[0] != name {
			continue
		}
		if n.OpType == msDomain+"NhwcConv" {
			return true
		}
		if n.OpType == "Transpose" {
			if p, _, err := attrInts(n, "perm"); err == nil && fmt.Sprint(p) == "[0 3 1 2]" {
				return true
			}
		}
	}
	return false
}

// toModel maps an image shape [N,C,H,W] to the model's declared layout.
func (l Layout) toModel(s []int) ([]int, error) {
	switch l {
	case LayoutNHWC:
		if len(s) != 4 {
			return nil, fmt.Errorf("shape %v is not [N,C,H,W]", s)
		}
		return []int{s[0], s[2], s[3], s[1]}, nil
	case LayoutCHW:
		if len(s) != 4 || s[0] != 1 {
			return nil, fmt.Errorf("shape %v: an unbatched model takes one image [1,C,H,W]", s)
		}
		return s[1:], nil
	}
	return s, nil
}

// fromModel maps a shape in the model's layout to the image's [N,C,H,W].
func (l Layout) fromModel(s []int) []int {
	switch {
	case l == LayoutNHWC && len(s) == 4:
		return []int{s[0], s[3], s[1], s[2]}
	case l == LayoutCHW && len(s) == 3:
		return append([]int{1}, s...)
	}
	return s
}

// front turns the graph's [N,C,H,W] input into the model's layout.
func (l Layout) front(x *graph.Node) (*graph.Node, error) {
	switch l {
	case LayoutNHWC:
		return graph.Transpose(x, []int{0, 2, 3, 1})
	case LayoutCHW:
		s := x.Shape()
		if s[0] != 1 {
			return nil, fmt.Errorf("an unbatched model takes one image, not %d", s[0])
		}
		return graph.Reshape(x, s[1:])
	}
	return x, nil
}

// ImageShape is the graph input for one image of w×h pixels: [1,C,h,w]
// in the model's layout's terms (Layout), its channels as declared. w or
// h 0 takes the declared size; a symbolic size must then be given.
func (m *Model) ImageShape(w, h int) ([]int, error) {
	if len(m.Inputs) == 0 {
		return nil, m.noInput()
	}
	in := m.Inputs[0]
	declared := make([]int, len(in.Dims))
	for i, d := range in.Dims {
		declared[i] = int(d)
		if in.Params[i] != "" {
			declared[i] = 0
		}
	}
	s := m.Layout.fromModel(declared)
	if len(s) != 4 {
		return nil, fmt.Errorf("%s: input %q is declared %v, not an image", m.where(), in.Name, in)
	}
	if s[1] == 0 {
		return nil, fmt.Errorf("%s: input %q has a symbolic channel count (%v)", m.where(), in.Name, in)
	}
	out := []int{1, s[1], s[2], s[3]}
	if h > 0 {
		out[2] = h
	}
	if w > 0 {
		out[3] = w
	}
	if out[2] == 0 || out[3] == 0 {
		return nil, fmt.Errorf("%s: input %q has a symbolic height or width (%v); give the size (--size WxH)", m.where(), in.Name, in)
	}
	return out, nil
}

// FixedSize says whether the model declares its input's height and width
// (its own size), and which.
func (m *Model) FixedSize() (w, h int, ok bool) {
	s, err := m.ImageShape(0, 0)
	if err != nil {
		return 0, 0, false
	}
	return s[3], s[2], true
}

// Precision names the half-precision type the file stores its weights or
// input in ("float16", "bfloat16"), or "" for a float32 (or double) file.
// invrep computes every model in float32: the input is fed as float32 and
// half-precision weights are widened exactly.
func (m *Model) Precision() string {
	for _, in := range m.Inputs {
		if in.ElemType == dtFloat16 || in.ElemType == dtBfloat16 {
			return elemTypeName(int64(in.ElemType))
		}
	}
	for _, t := range m.Initializers {
		if t.DataType == dtFloat16 || t.DataType == dtBfloat16 {
			return elemTypeName(int64(t.DataType))
		}
	}
	return ""
}

// Feed gives a graph input other than the image its value, as a constant:
// a model with a second input (an image size, a mask, a prompt) then
// builds with the image as its only input. The value must fit the
// input's declared shape where it is fixed.
func (m *Model) Feed(name string, t *graph.Tensor) error {
	for i, in := range m.Inputs {
		if in.Name != name {
			continue
		}
		if len(in.Dims) > 0 && len(in.Dims) != len(t.Shape) {
			return fmt.Errorf("%s: input %q is declared %v; the value fed is %v", m.where(), name, in, t.Shape)
		}
		for k, d := range in.Dims {
			if in.Params[k] == "" && int(d) != t.Shape[k] {
				return fmt.Errorf("%s: input %q is declared %v; the value fed is %v", m.where(), name, in, t.Shape)
			}
		}
		dims := make([]int64, len(t.Shape))
		for k, d := range t.Shape {
			dims[k] = int64(d)
		}
		m.Initializers[name] = &Tensor{Dims: dims, Float: append([]float32(nil), t.Data...)}
		m.Inputs = append(m.Inputs[:i:i], m.Inputs[i+1:]...)
		return nil
	}
	var names []string
	for _, in := range m.Inputs {
		names = append(names, in.Name)
	}
	return fmt.Errorf("%s: no graph input named %q to feed (inputs: %s)", m.where(), name, strings.Join(names, ", "))
}

// NodeLayouts infers the layout of every 4-D node output from the ops
// between it and the input: convolutions, pools and normalisations over
// channels give channels first; a Transpose permutes its input's axes
// (Swin's patch embedding, permuted to [N,H,W,C]); elementwise ops,
// LayerNorm, MatMul by a weight (a Linear on channels last) and the like
// keep their input's. Reshapes and everything else lose it (no entry).
// The values are LayoutNCHW or LayoutNHWC.
func (m *Model) NodeLayouts() map[string]Layout {
	axes := map[string]string{} // value → axis labels, "NCHW" or a permutation
	if len(m.Inputs) > 0 {
		switch m.Layout {
		case LayoutNHWC:
			axes[m.Inputs[0].Name] = "NHWC"
		case LayoutCHW:
		default:
			if len(m.Inputs[0].Dims) == 4 {
				axes[m.Inputs[0].Name] = "NCHW"
			}
		}
	}
	channelsFirst := map[string]bool{"Conv": true, "ConvTranspose": true, "MaxPool": true, "AveragePool": true,
		"GlobalAveragePool": true, "GlobalMaxPool": true, "BatchNormalization": true, "InstanceNormalization": true,
		"LRN": true, "Resize": true, "Upsample": true, "DepthToSpace": true, "SpaceToDepth": true, "GroupNormalization": true,
		msDomain + "FusedConv": true, "QLinearConv": true, "ConvInteger": true}
	keeps := map[string]bool{"Relu": true, "LeakyRelu": true, "Clip": true, "Sigmoid": true, "Tanh": true, "Gelu": true,
		"Add": true, "Sub": true, "Mul": true, "Div": true, "Pow": true, "Sqrt": true, "Erf": true, "HardSigmoid": true,
		"HardSwish": true, "Identity": true, "Dropout": true, "Cast": true, "LayerNormalization": true, "Softmax": true,
		"MatMul": true, "Neg": true, "Exp": true, "Abs": true, "Max": true, "Min": true, "Where": true, "Pad": true,
		"Slice": true, "Concat": true, msDomain + "Gelu": true, msDomain + "FusedMatMul": true, msDomain + "SkipLayerNormalization": true,
		"QuantizeLinear": true, "DequantizeLinear": true}
	out := map[string]Layout{}
	for i := range m.Nodes {
		n := &m.Nodes[i]
		if len(n.Outputs) == 0 {
			continue
		}
		var in string
		for _, v := range n.Inputs {
			if a, ok := axes[v]; ok {
				in = a
				break
			}
		}
		var got string
		switch {
		case channelsFirst[n.OpType]:
			got = "NCHW"
		case n.OpType == "Transpose" && in != "":
			p, _, err := attrInts(n, "perm")
			if err != nil || len(p) != 4 {
				continue
			}
			b := make([]byte, 4)
			for k, j := range p {
				if j < 0 || j > 3 {
					b = nil
					break
				}
				b[k] = in[j]
			}
			got = string(b)
		case keeps[n.OpType]:
			got = in
		}
		if got == "" {
			continue
		}
		axes[n.Outputs[0]] = got
		switch got {
		case "NCHW":
			out[n.Outputs[0]] = LayoutNCHW
		case "NHWC":
			out[n.Outputs[0]] = LayoutNHWC
		}
	}
	return out
}
