package onnxload

import (
	"path/filepath"
	"testing"

	"github.com/invrep/invrep/graph/testenv"
)

// TestDepth: the node list gives the same computed layers as a build, and
// depths exist where the model cannot be built past the layer.
func TestDepth(t *testing.T) {
	m, err := Load(filepath.Join(testenv.Shared(t), "models", "squeezenet1.1.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var built []string
	for _, l := range net.Layers {
		if !l.Constant {
			built = append(built, l.Name)
		}
	}
	computed := m.Computed()
	if len(built) != len(computed) {
		t.Fatalf("node list gives %d computed layers, the build %d", len(computed), len(built))
	}
	for i := range built {
		if built[i] != computed[i] {
			t.Fatalf("layer %d: node list %q, build %q", i, computed[i], built[i])
		}
	}
	if d, err := m.Depth(built[len(built)-1]); err != nil || d != 1 {
		t.Errorf("last layer depth %g (%v), want 1", d, err)
	}

	f := newFixture(13, 1, 2, 4, 4)
	r := f.node("Relu", []string{"x"}, nil)
	s := f.node("Sigmoid", []string{r}, nil)
	out := f.node("Einsum", []string{s}, nil)
	pm, err := f.model(out)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := pm.Depth(r); err != nil || d != 1.0/3 {
		t.Errorf("depth of the first of three layers before an unsupported op: %g (%v), want 1/3", d, err)
	}
	if _, err := pm.Depth("nope"); err == nil {
		t.Error("an unknown layer has a depth")
	}
}
