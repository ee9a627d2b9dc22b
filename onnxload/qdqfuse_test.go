package onnxload

import (
	"testing"

	"github.com/invrep/invrep/graph"
)

// tieModel is x → Q → DQ → Conv (one int8 weight) → Q → DQ, with scales
// chosen so that the two ways of computing the group round differently:
// x = 0.1 (xq = 1), w = −125·0.1, y scale 0.02, zero point 128. As
// written (dequantise, convolve, quantise) the float32 quotient
// −1.25/0.02 is exactly −62.5, a tie that rounds to even, −62: 66. As a
// QLinearConv the accumulator −125 times float32(0.1·0.1/0.02) =
// 0.50000006 is −62.500008: −63, 65. onnxruntime-node 1.30 gives 65 with
// its optimiser on (the default) and 66 with it off.
func tieModel() *Model {
	return &Model{Opset: 13,
		Inputs: []ValueInfo{{Name: "x", Dims: []int64{1, 1, 1, 1}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Initializers: map[string]*Tensor{
			"xs": {Float: []float32{0.1}}, "xz": {Int: []int64{0}, IsInt: true, DataType: dtUint8},
			"wq": {Dims: []int64{1, 1, 1, 1}, Int: []int64{-125}, IsInt: true, DataType: dtInt8},
			"ws": {Float: []float32{0.1}}, "wz": {Int: []int64{0}, IsInt: true, DataType: dtInt8},
			"ys": {Float: []float32{0.02}}, "yz": {Int: []int64{128}, IsInt: true, DataType: dtUint8},
		},
		Nodes: []Node{
			{Name: "qx", OpType: "QuantizeLinear", Inputs: []string{"x", "xs", "xz"}, Outputs: []string{"xq"}},
			{Name: "dqx", OpType: "DequantizeLinear", Inputs: []string{"xq", "xs", "xz"}, Outputs: []string{"xd"}},
			{Name: "dqw", OpType: "DequantizeLinear", Inputs: []string{"wq", "ws", "wz"}, Outputs: []string{"wd"}},
			{Name: "conv", OpType: "Conv", Inputs: []string{"xd", "wd"}, Outputs: []string{"c"}},
			{Name: "qy", OpType: "QuantizeLinear", Inputs: []string{"c", "ys", "yz"}, Outputs: []string{"yq"}},
			{Name: "dqy", OpType: "DequantizeLinear", Inputs: []string{"yq", "ys", "yz"}, Outputs: []string{"y"}},
		},
		Outputs: []string{"y"},
	}
}

// TestQDQFusion: a DequantizeLinear → Conv → QuantizeLinear group is
// computed as onnxruntime runs it by default, as a QLinearConv (65 on the
// tie), not as the float ops written (66); asking for the Conv's own
// output keeps the group as written, since its float value is then needed;
// the float twin (--dequantize) fuses nothing.
func TestQDQFusion(t *testing.T) {
	x := &graph.Tensor{Shape: []int{1, 1, 1, 1}, Data: []float32{0.1}}
	run := func(m *Model, outs ...string) (map[string]float32, *Net) {
		t.Helper()
		net, err := m.Build(Options{Outputs: outs})
		if err != nil {
			t.Fatal(err)
		}
		var nodes []*graph.Node
		for _, o := range outs {
			nodes = append(nodes, net.Outputs[o])
		}
		p, err := net.Graph.Compile(nil, nodes...)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.Run(x); err != nil {
			t.Fatal(err)
		}
		got := map[string]float32{}
		for i, o := range outs {
			v, err := p.Output(i)
			if err != nil {
				t.Fatal(err)
			}
			got[o] = v.Data[0]
		}
		return got, net
	}
	got, net := run(tieModel(), "yq", "y")
	if got["yq"] != 65 || got["y"] != (65-128)*0.02 {
		t.Errorf("fused: yq = %g, y = %g; onnxruntime gives 65 and %g", got["yq"], got["y"], float32(-63*0.02))
	}
	ops := map[string]string{}
	for _, l := range net.Layers {
		ops[l.Name] = l.OpType
	}
	if ops["yq"] != "QLinearConv" || ops["c"] != "" || ops["xd"] != "" {
		t.Errorf("layers: yq is %q, c %q, xd %q; want the QLinearConv in the group's place", ops["yq"], ops["c"], ops["xd"])
	}
	if got, _ := run(tieModel(), "yq", "c"); got["yq"] != 66 {
		t.Errorf("with the Conv's output asked for: yq = %g, want the float path's 66", got["yq"])
	}
	twin := tieModel()
	twin.Dequantized = true
	if got, _ := run(twin, "yq"); got["yq"] != -62.5+128 {
		t.Errorf("float twin: yq = %g, want the unrounded 65.5", got["yq"])
	}
}
