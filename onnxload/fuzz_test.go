package onnxload

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeBuild feeds arbitrary bytes to the ONNX decoder and, when they
// decode, to the graph builder. Errors are fine; panics are not. Build
// recovers from panics as a last line of defence, turning them into
// "building graph:" errors, which this target reports as failures.
func FuzzDecodeBuild(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	if b, err := os.ReadFile(filepath.Join("..", "..", "shared", "models", "mnist-8.onnx")); err == nil {
		f.Add(b)
	}
	// Declared shapes far beyond memory (metadata, never allocated).
	huge := &Model{Opset: 13, Initializers: map[string]*Tensor{},
		Inputs:  []ValueInfo{{Name: "x", Dims: []int64{1, 3, 1 << 31, 8}, Params: []string{"", "", "", ""}, ElemType: dtFloat}},
		Nodes:   []Node{{Name: "r", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Outputs: []string{"y"}}
	if b, err := huge.Encode(); err == nil {
		f.Add(b)
	}
	// Modern exports: bool and int64 shape arithmetic, LayerNorm and GELU
	// chains, attention, Resize, ConvTranspose.
	for _, fam := range []string{"vit-opset17", "swin-opset14", "misc-opset13", "convnext-opset18"} {
		if b, err := os.ReadFile(filepath.Join("..", "testdata", "families", fam, "model.onnx")); err == nil {
			f.Add(b)
		}
	}
	// Quantised files in the three forms onnxruntime writes.
	quant, _ := filepath.Glob(filepath.Join("..", "testdata", "quant", "*", "model.onnx"))
	for _, q := range quant {
		if b, err := os.ReadFile(q); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("decoding and building took %v", d)
			}
		}()
		m, err := Decode(data)
		if err != nil {
			return
		}
		_, err = m.Build(Options{MaxMemory: 64 << 20})
		if err != nil && strings.Contains(err.Error(), "building graph:") {
			t.Fatalf("Build panicked: %v", err)
		}
	})
}

// fuzzSeeds are small fixture models covering the op families.
func fuzzSeeds() [][]byte {
	var out [][]byte
	add := func(f *fixture, o string) {
		f.m.Outputs = []string{o}
		if b, err := f.m.Encode(); err == nil {
			out = append(out, b)
		}
	}
	f := newFixture(13, -1, 2, 6, 6)
	c := f.node("Conv", []string{"x", f.weight(3, 2, 3, 3)}, map[string]any{"pads": []int64{1, 1, 1, 1}})
	p := f.node("MaxPool", []string{f.node("Relu", []string{c}, nil)}, map[string]any{"kernel_shape": []int64{2, 2}, "strides": []int64{2, 2}})
	add(f, f.node("Softmax", []string{f.node("Flatten", []string{p}, nil)}, nil))
	g := newFixture(9, 1, 4, 5, 5)
	l := g.node("LRN", []string{"x"}, map[string]any{"size": int64(3)})
	s := g.node("Shape", []string{l}, nil)
	n := g.node("Gather", []string{s, g.ints(0)}, nil)
	r := g.node("Reshape", []string{l, g.node("Concat", []string{n, g.ints(-1)}, map[string]any{"axis": int64(0)})}, nil)
	add(g, g.node("Gemm", []string{r, g.weight(3, 100), g.weight(3)}, map[string]any{"transB": int64(1)}))
	h := newFixture(11, 1, 3, 4, 4)
	add(h, h.node("Pad", []string{h.node("Clip", []string{"x", h.floats(nil, 0), h.floats(nil, 1)}, nil), h.ints(0, 0, 1, 1, 0, 0, 1, 1)}, nil))
	return out
}
