package onnxload

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/testenv"
)

// TestArchModels: every architecture-only model loads, runs forward to its
// class scores, and every node output has the shape ONNX shape inference
// gives it (testdata/arch_shapes.json, made by testdata/arch_shapes.py).
func TestArchModels(t *testing.T) {
	shared := testenv.Shared(t)
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "arch_shapes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct {
		Shapes map[string][]int `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != 8 {
		t.Fatalf("arch_shapes.json has %d models, want 8", len(want))
	}
	for file, w := range want {
		t.Run(file, func(t *testing.T) {
			m, err := Load(filepath.Join(shared, "models", "arch", file))
			if err != nil {
				t.Fatal(err)
			}
			net, err := m.Build(Options{})
			if err != nil {
				t.Fatal(err)
			}
			compared := 0
			for _, l := range net.Layers {
				s, ok := w.Shapes[l.Name]
				if !ok {
					continue
				}
				if !slices.Equal(l.Shape, s) {
					t.Errorf("%s (%s): shape %v, shape inference says %v", l.Name, l.OpType, l.Shape, s)
				}
				compared++
			}
			if compared < len(w.Shapes)*9/10 {
				t.Errorf("compared only %d of %d inferred shapes", compared, len(w.Shapes))
			}
			out := net.Outputs[m.Outputs[0]]
			p, err := net.Graph.Compile(nil, out)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if err := p.Run(graph.NewTensor(net.Input.Shape()...)); err != nil {
				t.Fatal(err)
			}
			y, err := p.Output(0)
			if err != nil {
				t.Fatal(err)
			}
			if graph.Numel(y.Shape) != 1000 || y.Shape[0] != 1 || y.Shape[1] != 1000 {
				t.Errorf("output %v, want 1000 class scores", y.Shape)
			}
		})
	}
}
