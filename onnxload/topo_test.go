package onnxload

import (
	"math"
	"strings"
	"testing"
)

// TestGraphOrder: a valid graph listed out of order loads as if sorted;
// cycles, two producers of one value and group 0 are refused by name.
func TestGraphOrder(t *testing.T) {
	f := newFixture(13, 1, 2, 3, 3)
	a := f.node("Relu", []string{"x"}, nil)
	out := f.node("Sigmoid", []string{a}, nil)
	f.m.Nodes[0], f.m.Nodes[1] = f.m.Nodes[1], f.m.Nodes[0]
	m, err := f.model(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Nodes[0].OpType != "Relu" {
		t.Fatalf("nodes not sorted: %v first", &m.Nodes[0])
	}
	if _, err := m.Build(Options{}); err != nil {
		t.Fatalf("unsorted graph: %v", err)
	}

	c := newFixture(13, 1, 2, 3, 3)
	c.m.Nodes = []Node{
		{Name: "first", OpType: "Add", Inputs: []string{"x", "b"}, Outputs: []string{"a"}},
		{Name: "second", OpType: "Relu", Inputs: []string{"a"}, Outputs: []string{"b"}},
	}
	if _, err := c.model("b"); err == nil || !strings.Contains(err.Error(), "cycle") || !strings.Contains(err.Error(), `"first"`) {
		t.Errorf("cycle: %v", err)
	}

	d := newFixture(13, 1, 2, 3, 3)
	d.m.Nodes = []Node{
		{Name: "one", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}},
		{Name: "two", OpType: "Sigmoid", Inputs: []string{"x"}, Outputs: []string{"y"}},
	}
	if _, err := d.model("y"); err == nil || !strings.Contains(err.Error(), `"one"`) || !strings.Contains(err.Error(), `"two"`) {
		t.Errorf("two producers: %v", err)
	}

	g := newFixture(13, 1, 2, 3, 3)
	conv := g.node("Conv", []string{"x", g.weight(2, 2, 1, 1)}, map[string]any{"group": int64(0)})
	gm, err := g.model(conv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gm.Build(Options{}); err == nil || !strings.Contains(err.Error(), "group = 0") {
		t.Errorf("group 0: %v", err)
	}
}

// TestNonFiniteWeights: a NaN weight is named before anything is built; a
// −∞ mask is not a weight and stays allowed.
func TestNonFiniteWeights(t *testing.T) {
	f := newFixture(13, 1, 2, 3, 3)
	w := f.weight(2, 2, 1, 1)
	f.m.Initializers[w].Float[3] = float32(math.NaN())
	conv := f.node("Conv", []string{"x", w}, nil)
	m, err := f.model(conv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Build(Options{}); err == nil || !strings.Contains(err.Error(), `tensor "`+w+`"`) || !strings.Contains(err.Error(), "NaN at index 3") {
		t.Errorf("NaN weight: %v", err)
	}
	g := newFixture(13, 1, 3)
	mask := g.floats([]int64{3}, 0, float32(math.Inf(-1)), 0)
	out := g.node("Softmax", []string{g.node("Add", []string{"x", mask}, nil)}, nil)
	gm, err := g.model(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gm.Build(Options{}); err != nil {
		t.Errorf("a −∞ mask: %v", err)
	}
}
