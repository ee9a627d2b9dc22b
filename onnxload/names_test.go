package onnxload

import (
	"path/filepath"
	"testing"
)

func TestDotted(t *testing.T) {
	for _, c := range []struct {
		comps []string
		want  string
	}{
		{[]string{"features", "features.5", "block", "block.2"}, "features.5.block.2"},
		{[]string{"encoder", "layers", "encoder_layer_6"}, "encoder.layers.encoder_layer_6"},
		{[]string{"layer3", "layer3.0", "conv1"}, "layer3.0.conv1"},
		{[]string{"conv1"}, "conv1"},
		{[]string{"features", "features.3", "features.3.1", "attn"}, "features.3.1.attn"},
	} {
		if got := dotted(c.comps); got != c.want {
			t.Errorf("dotted(%v) = %q, want %q", c.comps, got, c.want)
		}
	}
}

// TestResolve: output names, node names and PyTorch module paths, on the
// project's own exports.
func TestResolve(t *testing.T) {
	m, err := Load(filepath.Join("..", "testdata", "families", "convnext-opset17", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"features.1":                             "/features/features.1/features.1.0/Add_output_0",
		"features.1.0.block.3":                   "/features/features.1/features.1.0/block/block.3/Add_output_0",
		"/features/features.1":                   "/features/features.1/features.1.0/Add_output_0",
		"/features/features.0/features.0.0/Conv": "/features/features.0/features.0.0/Conv_output_0",
		"logits":                                 "logits",
	} {
		got, err := m.Resolve(name)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := m.Resolve("features.9"); err == nil {
		t.Error("an unknown module resolved")
	}
}
