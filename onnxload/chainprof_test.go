package onnxload

import (
	"fmt"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestChainCompile: a model of ten thousand nodes in a chain builds and
// compiles (no recursion as deep as the graph) and computes what it says:
// a ReLU, then 9,999 negations, so that the sum of the output is
// −Σ ReLU(x) and its gradient −1 where x > 0, 0 elsewhere.
func TestChainCompile(t *testing.T) {
	const n = 10000
	m := &Model{Opset: 13, Initializers: map[string]*Tensor{},
		Inputs: []ValueInfo{{Name: "x", Dims: []int64{1, 3, 8, 8}, Params: []string{"", "", "", ""}, ElemType: 1}}}
	prev := "x"
	for i := 0; i < n; i++ {
		op := "Neg"
		if i == 0 {
			op = "Relu"
		}
		out := fmt.Sprintf("r%d", i)
		m.Nodes = append(m.Nodes, Node{Name: out, OpType: op, Inputs: []string{prev}, Outputs: []string{out}})
		prev = out
	}
	m.Outputs = []string{prev}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	m, err = Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build(Options{Outputs: []string{prev}})
	if err != nil {
		t.Fatal(err)
	}
	y := net.Outputs[prev]
	w := graph.NewTensor(y.Shape()...)
	for i := range w.Data {
		w.Data[i] = 1
	}
	loss, _ := graph.Dot(y, w)
	p, err := net.Graph.Compile(loss)
	if err != nil {
		t.Fatal(err)
	}
	x := graph.NewTensor(1, 3, 8, 8)
	for i := range x.Data {
		x.Data[i] = float32(i%7) - 3
	}
	if err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	got, err := p.Loss()
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, v := range x.Data {
		want -= float64(max(v, 0))
	}
	if got != want {
		t.Fatalf("sum of the output %g, want %g", got, want)
	}
	g, err := p.InputGrad()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range x.Data {
		if w := map[bool]float32{true: -1}[v > 0]; g.Data[i] != w {
			t.Fatalf("gradient[%d] = %g at x = %g, want %g", i, g.Data[i], v, w)
		}
	}
}
