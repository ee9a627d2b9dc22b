package onnxload

import (
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestLegacyOpsets: opset 1–6 forms read as the spec of their opset says:
// Add with broadcast=1 along axis 1 (a per-channel bias), Reshape with its
// shape as an attribute (opset 1–4), Cast's "to" as a string (1–5),
// BatchNormalization with is_test=1; training mode (is_test 0, opset 6's
// default) refused by name.
func TestLegacyOpsets(t *testing.T) {
	f := newFixture(6, 1, 3, 2, 2)
	bias := f.floats([]int64{3}, 10, 20, 30)
	add := f.node("Add", []string{"x", bias}, map[string]any{"broadcast": int64(1), "axis": int64(1)})
	cast := f.node("Cast", []string{add}, map[string]any{"to": "FLOAT"})
	bn := f.node("BatchNormalization", []string{cast, f.floats([]int64{3}, 1, 1, 1), f.floats([]int64{3}, 0, 0, 0),
		f.floats([]int64{3}, 0, 0, 0), f.floats([]int64{3}, 1, 1, 1)}, map[string]any{"is_test": int64(1), "epsilon": float32(0)})
	re := f.node("Reshape", []string{bn}, map[string]any{"shape": []int64{1, 12}})
	f.m.Opset = 4 // Reshape's attribute form; the others read alike
	m, err := f.model(re)
	if err != nil {
		t.Fatal(err)
	}
	x := graph.NewTensor(1, 3, 2, 2)
	y, err := eval(m, re, x)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30}
	if len(y.Data) != 12 || y.Shape[1] != 12 {
		t.Fatalf("shape %v", y.Shape)
	}
	for i, w := range want {
		if y.Data[i] != w {
			t.Fatalf("values %v, want %v", y.Data, want)
		}
	}
	g := newFixture(6, 1, 3, 2, 2)
	out := g.node("BatchNormalization", []string{"x", g.floats([]int64{3}, 1, 1, 1), g.floats([]int64{3}, 0, 0, 0),
		g.floats([]int64{3}, 0, 0, 0), g.floats([]int64{3}, 1, 1, 1)}, nil)
	if _, err := g.model(out); err == nil || !strings.Contains(err.Error(), "is_test is 0") {
		t.Errorf("training-mode BatchNormalization at opset 6: %v", err)
	}
}
