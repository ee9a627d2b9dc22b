package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/onnxload"
)

// layoutModels writes one network three ways: channels first
// [1,3,16,16]; channels last [1,16,16,3] read by a Transpose to channels
// first, as tf2onnx writes Keras models; and unbatched [3,16,16] read by
// an Unsqueeze, as torchvision's detectors take images.
func layoutModels(t *testing.T, dir string) (nchw, nhwc, chw string) {
	t.Helper()
	w := &onnxload.Tensor{Dims: []int64{4, 3, 3, 3}}
	for i := 0; i < 108; i++ {
		w.Float = append(w.Float, float32(math.Sin(float64(i)*1.3)))
	}
	body := func(in string) []onnxload.Node {
		return []onnxload.Node{
			{Name: "conv", OpType: "Conv", Inputs: []string{in, "w"}, Outputs: []string{"conv_out"}, Attrs: map[string]any{"pads": []int64{1, 1, 1, 1}}},
			{Name: "relu", OpType: "Relu", Inputs: []string{"conv_out"}, Outputs: []string{"relu_out"}},
		}
	}
	write := func(name string, dims []int64, front []onnxload.Node, in string, inits map[string]*onnxload.Tensor) string {
		params := make([]string, len(dims))
		inits["w"] = w
		m := &onnxload.Model{Opset: 13, Initializers: inits,
			Inputs:  []onnxload.ValueInfo{{Name: "image", Dims: dims, Params: params, ElemType: 1}},
			Nodes:   append(front, body(in)...),
			Outputs: []string{"relu_out"}}
		return writeModel(t, dir, name, m)
	}
	nchw = write("nchw.onnx", []int64{1, 3, 16, 16}, nil, "image", map[string]*onnxload.Tensor{})
	nhwc = write("nhwc.onnx", []int64{1, 16, 16, 3},
		[]onnxload.Node{{Name: "to_nchw", OpType: "Transpose", Inputs: []string{"image"}, Outputs: []string{"x"}, Attrs: map[string]any{"perm": []int64{0, 3, 1, 2}}}},
		"x", map[string]*onnxload.Tensor{})
	chw = write("chw.onnx", []int64{3, 16, 16},
		[]onnxload.Node{{Name: "batch", OpType: "Unsqueeze", Inputs: []string{"image", "axes"}, Outputs: []string{"x"}}},
		"x", map[string]*onnxload.Tensor{"axes": {Dims: []int64{1}, Int: []int64{0}, IsInt: true}})
	return nchw, nhwc, chw
}

// TestInputLayouts: channels-last and unbatched models take photos with no
// extra flag, and their reconstructions equal the channels-first model's
// at the same seed; a channels-last shape that nothing confirms asks for
// --layout, which then works.
func TestInputLayouts(t *testing.T) {
	dir := t.TempDir()
	img := tinyImage(t, dir)
	nchw, nhwc, chw := layoutModels(t, dir)
	finals := map[string][]float64{}
	for _, m := range []string{nchw, nhwc, chw} {
		rep := filepath.Join(dir, filepath.Base(m)+".json")
		r := invrep(t, "invert", "--model", m, "--layer", "relu_out", "--image", img, "--out", filepath.Join(dir, filepath.Base(m)+".png"),
			"--report", rep, "--iters", "40", "--seed", "5", "--quiet")
		if r.code != 0 {
			t.Fatalf("%s: %s", filepath.Base(m), r.stderr)
		}
		var report struct {
			Final []float64 `json:"final_relative_error"`
		}
		raw, _ := os.ReadFile(rep)
		if err := json.Unmarshal(raw, &report); err != nil || len(report.Final) != 1 {
			t.Fatalf("%s: %v", m, err)
		}
		finals[filepath.Base(m)] = report.Final
	}
	for _, m := range []string{"nhwc.onnx", "chw.onnx"} {
		if d := math.Abs(finals[m][0] - finals["nchw.onnx"][0]); d > 1e-5*math.Max(1, finals["nchw.onnx"][0]) {
			t.Errorf("%s: final error %g, channels first %g", m, finals[m][0], finals["nchw.onnx"][0])
		}
	}
	for _, m := range []string{nhwc, chw} {
		a, _ := os.ReadFile(filepath.Join(dir, "nchw.onnx.png"))
		b, _ := os.ReadFile(filepath.Join(dir, filepath.Base(m)+".png"))
		if string(a) != string(b) {
			t.Errorf("%s: the reconstruction differs from the channels-first model's", filepath.Base(m))
		}
	}
	// features of a photo agree too.
	r1 := invrep(t, "features", "--model", nchw, "--layer", "relu_out", "--image", img, "--out", filepath.Join(dir, "a.npy"))
	r2 := invrep(t, "features", "--model", nhwc, "--layer", "relu_out", "--image", img, "--out", filepath.Join(dir, "b.npy"))
	a, _ := os.ReadFile(filepath.Join(dir, "a.npy"))
	b, _ := os.ReadFile(filepath.Join(dir, "b.npy"))
	if r1.code != 0 || r2.code != 0 || string(a) != string(b) {
		t.Errorf("features of a channels-last model: %s %s", r1.stderr, r2.stderr)
	}
	// A last axis of 3 that no Transpose confirms.
	m, _ := onnxload.Load(nhwc)
	m.Nodes[0].Attrs["perm"] = []int64{0, 1, 2, 3}
	b2, _ := m.Encode()
	odd := filepath.Join(dir, "odd.onnx")
	os.WriteFile(odd, b2, 0o644)
	r := invrep(t, "invert", "--model", odd, "--layer", "to_nchw", "--image", img, "--out", filepath.Join(dir, "odd.png"), "--iters", "3", "--quiet")
	if r.code != 2 || !strings.Contains(r.stderr, "--layout") {
		t.Errorf("unconfirmed channels last: exit %d, %s", r.code, r.stderr)
	}
	r = invrep(t, "invert", "--model", nhwc, "--layout", "nhwc", "--layer", "relu_out", "--image", img, "--out", filepath.Join(dir, "x.png"), "--iters", "3", "--quiet")
	if r.code != 0 {
		t.Errorf("--layout nhwc: %s", r.stderr)
	}
}

// TestSizes: a model with symbolic height and width (as Paddle2ONNX
// writes them) takes --size in layers and invert; one without it is told
// to give it; a model whose shape arithmetic fixes its size, asked for
// another, fails naming the node and the size it fixes.
func TestSizes(t *testing.T) {
	dir := t.TempDir()
	img := tinyImage(t, dir)
	w := &onnxload.Tensor{Dims: []int64{4, 3, 3, 3}}
	for i := 0; i < 108; i++ {
		w.Float = append(w.Float, float32(math.Cos(float64(i))))
	}
	conv := onnxload.Node{Name: "conv", OpType: "Conv", Inputs: []string{"x", "w"}, Outputs: []string{"conv_out"}, Attrs: map[string]any{"pads": []int64{1, 1, 1, 1}}}
	symbolic := writeModel(t, dir, "symbolic.onnx", &onnxload.Model{Opset: 13, Initializers: map[string]*onnxload.Tensor{"w": w},
		Inputs: []onnxload.ValueInfo{{Name: "x", Dims: []int64{0, 3, 0, 0},
			Params: []string{"p2o.DynamicDimension.0", "", "p2o.DynamicDimension.1", "p2o.DynamicDimension.2"}, ElemType: 1}},
		Nodes: []onnxload.Node{conv}, Outputs: []string{"conv_out"}})
	r := invrep(t, "layers", "--model", symbolic)
	if r.code == 0 || !strings.Contains(r.stderr, "--size") {
		t.Errorf("layers of a symbolic model without --size: exit %d, %s", r.code, r.stderr)
	}
	r = invrep(t, "layers", "--model", symbolic, "--size", "192x48")
	if r.code != 0 || !strings.Contains(r.stdout, "1,4,48,192") {
		t.Errorf("layers --size 192x48: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	r = invrep(t, "invert", "--model", symbolic, "--layer", "conv_out", "--size", "192x48", "--image", img, "--out", filepath.Join(dir, "s.png"), "--iters", "3", "--quiet")
	if r.code != 0 {
		t.Errorf("invert --size 192x48: %s", r.stderr)
	}
	fixed := writeModel(t, dir, "fixed.onnx", &onnxload.Model{Opset: 13,
		Initializers: map[string]*onnxload.Tensor{"w": w, "shape": {Dims: []int64{2}, Int: []int64{1, 256}, IsInt: true}},
		Inputs:       []onnxload.ValueInfo{{Name: "x", Dims: []int64{1, 3, 8, 8}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Nodes:        []onnxload.Node{conv, {Name: "flatten", OpType: "Reshape", Inputs: []string{"conv_out", "shape"}, Outputs: []string{"flat"}}},
		Outputs:      []string{"flat"}})
	r = invrep(t, "invert", "--model", fixed, "--layer", "conv_out", "--size", "16", "--image", img, "--out", filepath.Join(dir, "f.png"), "--iters", "3", "--quiet")
	if r.code != 0 {
		t.Errorf("a fixed-size model's convolution at another size: %s", r.stderr)
	}
	r = invrep(t, "features", "--model", fixed, "--layer", "flat", "--size", "16", "--image", img, "--out", filepath.Join(dir, "f.npy"))
	if r.code == 0 || !strings.Contains(r.stderr, `node "flatten" (Reshape)`) || !strings.Contains(r.stderr, "fixes its input at 8x8") {
		t.Errorf("a fixed-size model's Reshape at another size: exit %d, %s", r.code, r.stderr)
	}
	r = invrep(t, "layers", "--model", fixed, "--size", "16")
	if r.code != 0 || !strings.Contains(r.stdout, "flat") || !strings.Contains(r.stdout, "[not built:") || !strings.Contains(r.stdout, "fixes its input at 8x8") {
		t.Errorf("layers of a fixed-size model at another size: exit %d, %s", r.code, r.stdout)
	}
}

// TestLayersOfADetector: an unbatched model whose head holds an op invrep
// does not build lists every node, the head marked not built with why,
// and its backbone inverts from a photo.
func TestLayersOfADetector(t *testing.T) {
	dir := t.TempDir()
	img := tinyImage(t, dir)
	w := &onnxload.Tensor{Dims: []int64{4, 3, 3, 3}}
	for i := 0; i < 108; i++ {
		w.Float = append(w.Float, float32(math.Sin(float64(i)*0.9)))
	}
	model := writeModel(t, dir, "detector.onnx", &onnxload.Model{Opset: 13,
		Initializers: map[string]*onnxload.Tensor{"w": w, "axes": {Dims: []int64{1}, Int: []int64{0}, IsInt: true}},
		Inputs:       []onnxload.ValueInfo{{Name: "image", Dims: []int64{3, 16, 16}, Params: []string{"", "", ""}, ElemType: 1}},
		Nodes: []onnxload.Node{
			{Name: "batch", OpType: "Unsqueeze", Inputs: []string{"image", "axes"}, Outputs: []string{"x"}},
			{Name: "backbone", OpType: "Conv", Inputs: []string{"x", "w"}, Outputs: []string{"feat"}, Attrs: map[string]any{"pads": []int64{1, 1, 1, 1}}},
			{Name: "nms", OpType: "NonMaxSuppression", Inputs: []string{"feat", "feat"}, Outputs: []string{"selected"}},
		},
		Outputs: []string{"selected"}})
	r := invrep(t, "layers", "--model", model)
	if r.code != 0 || !strings.Contains(r.stdout, "feat") || !strings.Contains(r.stdout, "[not built: unsupported op NonMaxSuppression]") || !strings.Contains(r.stdout, "unbatched") {
		t.Fatalf("layers: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	r = invrep(t, "invert", "--model", model, "--layer", "feat", "--image", img, "--out", filepath.Join(dir, "d.png"), "--iters", "3", "--quiet")
	if r.code != 0 {
		t.Fatalf("invert the backbone: %s", r.stderr)
	}
}

// TestFeeds: a model with a second input (here a per-channel offset) is
// refused, listing its inputs, until --feed gives the second; fed, it
// inverts, and the offset reaches the features.
func TestFeeds(t *testing.T) {
	dir := t.TempDir()
	img := tinyImage(t, dir)
	w := &onnxload.Tensor{Dims: []int64{4, 3, 1, 1}}
	for i := 0; i < 12; i++ {
		w.Float = append(w.Float, float32(i%5)-2)
	}
	model := writeModel(t, dir, "two.onnx", &onnxload.Model{Opset: 13,
		Initializers: map[string]*onnxload.Tensor{"w": w},
		Inputs: []onnxload.ValueInfo{{Name: "image", Dims: []int64{1, 3, 8, 8}, Params: []string{"", "", "", ""}, ElemType: 1},
			{Name: "offset", Dims: []int64{1, 4, 1, 1}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Nodes: []onnxload.Node{{Name: "conv", OpType: "Conv", Inputs: []string{"image", "w"}, Outputs: []string{"c"}},
			{Name: "add", OpType: "Add", Inputs: []string{"c", "offset"}, Outputs: []string{"y"}}},
		Outputs: []string{"y"}})
	r := invrep(t, "invert", "--model", model, "--layer", "y", "--image", img, "--out", filepath.Join(dir, "y.png"), "--iters", "3", "--quiet")
	if r.code == 0 || !strings.Contains(r.stderr, "image, offset") || !strings.Contains(r.stderr, "--feed") {
		t.Fatalf("a second input not fed: exit %d, %s", r.code, r.stderr)
	}
	off := graph.NewTensor(1, 4, 1, 1)
	off.Data = []float32{100, 200, 300, 400}
	npy.Save(filepath.Join(dir, "offset.npy"), off)
	r = invrep(t, "invert", "--model", model, "--feed", "offset="+filepath.Join(dir, "offset.npy"), "--layer", "y", "--image", img, "--out", filepath.Join(dir, "y.png"), "--iters", "3", "--quiet")
	if r.code != 0 {
		t.Fatalf("fed: %s", r.stderr)
	}
	out := filepath.Join(dir, "f.npy")
	r = invrep(t, "features", "--model", model, "--feed", "offset="+filepath.Join(dir, "offset.npy"), "--layer", "y", "--image", img, "--out", out)
	f, err := npy.Load(out)
	if r.code != 0 || err != nil || f.Data[3*64] < 300 {
		t.Fatalf("features with the offset fed: %s %v", r.stderr, err)
	}
	r = invrep(t, "layers", "--model", model, "--feed", "nope="+filepath.Join(dir, "offset.npy"))
	if r.code != 2 || !strings.Contains(r.stderr, `no graph input named "nope" to feed (inputs: image, offset)`) {
		t.Errorf("a feed of no input: exit %d, %s", r.code, r.stderr)
	}
}

// TestChannelsLastNodes: Swin's stages are [N,H,W,C]; layers marks them,
// and --channels and --neigh there take the last axis and the middle two:
// the same inversion as the equivalent --mask built by hand.
func TestChannelsLastNodes(t *testing.T) {
	dir := t.TempDir()
	img := tinyImage(t, dir)
	model := filepath.Join("..", "..", "testdata", "families", "swin-opset17", "model.onnx")
	layer := "/features/features.3/features.3.1/Add_1_output_0" // [1,4,4,16]
	r := invrep(t, "layers", "--model", model)
	if r.code != 0 || !strings.Contains(r.stdout, "[channels last]") {
		t.Fatalf("layers: %s %s", r.stdout, r.stderr)
	}
	// Channels 4:10 of 16 within the central 2×2 window, channels last.
	mask := graph.NewTensor(1, 4, 4, 16)
	for y := 1; y < 3; y++ {
		for x := 1; x < 3; x++ {
			for c := 4; c < 10; c++ {
				mask.Data[(y*4+x)*16+c] = 1
			}
		}
	}
	npy.Save(filepath.Join(dir, "mask.npy"), mask)
	final := func(extra ...string) float64 {
		rep := filepath.Join(dir, "r.json")
		args := append([]string{"invert", "--model", model, "--layer", layer, "--image", img, "--out", filepath.Join(dir, "x.png"),
			"--report", rep, "--iters", "20", "--seed", "2", "--quiet"}, extra...)
		if r := invrep(t, args...); r.code != 0 {
			t.Fatalf("%v: %s", extra, r.stderr)
		}
		var report struct {
			Final []float64 `json:"final_relative_error"`
		}
		raw, _ := os.ReadFile(rep)
		if err := json.Unmarshal(raw, &report); err != nil || len(report.Final) != 1 {
			t.Fatal(err)
		}
		return report.Final[0]
	}
	flags, byHand := final("--channels", "4:10", "--neigh", "2"), final("--mask", filepath.Join(dir, "mask.npy"))
	if flags != byHand {
		t.Errorf("--channels 4:10 --neigh 2 on a channels-last stage: error %g; the same mask by hand: %g", flags, byHand)
	}
	if r := invrep(t, "invert", "--model", model, "--layer", layer, "--image", img, "--out", filepath.Join(dir, "x.png"), "--channels", "0:17", "--iters", "3", "--quiet"); r.code != 2 || !strings.Contains(r.stderr, "16 channels") {
		t.Errorf("--channels beyond a channels-last layer's 16: exit %d, %s", r.code, r.stderr)
	}
	// The visualisation objectives read its channels from the last axis
	// too: channel 10 of 16 (the first axis after the batch has 4).
	if r := invrep(t, "visualize", "--model", model, "--objective", layer+":10", "--out", filepath.Join(dir, "v.png"), "--steps", "3", "--quiet"); r.code != 0 {
		t.Errorf("visualize channel 10 of a channels-last stage: %s", r.stderr)
	}
	if r := invrep(t, "visualize", "--model", model, "--objective", layer+":16", "--out", filepath.Join(dir, "v.png"), "--steps", "3", "--quiet"); r.code == 0 || !strings.Contains(r.stderr, "has 16") {
		t.Errorf("visualize channel 16 of 16: exit %d, %s", r.code, r.stderr)
	}
}
