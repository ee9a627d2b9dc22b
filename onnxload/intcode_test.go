package onnxload

import (
	"math"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestIntegerLayersDequantised: a layer holding a quantiser's integers
// (the QLinearConv of the tie model, 65 with zero point 128, and a Flatten
// of it) is inverted as the value it stands for, (65 − 128)·0.02, not as
// 65; the float value after its DequantizeLinear, and the raw build
// ('invrep features'), are left alone.
func TestIntegerLayersDequantised(t *testing.T) {
	m := tieModel()
	m.Nodes = append(m.Nodes, Node{Name: "flat", OpType: "Flatten", Inputs: []string{"yq"}, Outputs: []string{"flat"}})
	x := &graph.Tensor{Shape: []int{1, 1, 1, 1}, Data: []float32{0.1}}
	value := func(g *graph.Graph, n *graph.Node) float32 {
		t.Helper()
		p, err := g.Compile(nil, n)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.Run(x); err != nil {
			t.Fatal(err)
		}
		out, err := p.Output(0)
		if err != nil {
			t.Fatal(err)
		}
		return out.Data[0]
	}
	want := float32(65-128) * 0.02
	for _, layer := range []string{"yq", "flat", "y"} {
		g, n, err := Truncated{Model: m, Layer: layer}.Build([]int{1, 1, 1, 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := value(g, n); math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("layer %s: %g, want %g", layer, got, want)
		}
	}
	net, err := m.Build(Options{Outputs: []string{"yq"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := value(net.Graph, net.Outputs["yq"]); got != 65 {
		t.Errorf("the raw build of yq: %g, want the integer 65", got)
	}
}
