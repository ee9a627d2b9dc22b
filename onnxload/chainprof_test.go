package onnxload

import (
	"testing"

	"github.com/invrep/invrep/graph"
)

func TestChainCompile(t *testing.T) {
	m, err := Load("/tmp/chain.onnx")
	if err != nil {
		t.Skip(err)
	}
	net, err := m.Build(Options{Outputs: []string{"r9999"}})
	if err != nil {
		t.Fatal(err)
	}
	y := net.Outputs["r9999"]
	w := graph.NewTensor(y.Shape()...)
	loss, _ := graph.Dot(y, w)
	p, err := net.Graph.Compile(loss)
	if err != nil {
		t.Fatal(err)
	}
	p.Run(graph.NewTensor(1, 3, 8, 8))
}
