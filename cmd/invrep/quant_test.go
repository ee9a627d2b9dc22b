package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuantizedModels: the quantised fixtures (QDQ and dynamic) list their
// quantised nodes, invert at a middle node, and with --dequantize invert
// their float twin, which reaches another error; --dequantize on a float
// model is refused.
func TestQuantizedModels(t *testing.T) {
	dir := t.TempDir()
	img := tinyImage(t, dir)
	for _, c := range []struct{ fixture, layer, mark string }{
		{"qdq-opset13", "relu_dq", "[int8 weights]"},
		{"dynamic-opset13", "relu", "[integer product]"},
		{"qoperator-opset13", "mq", "[quantised op]"},
	} {
		model := filepath.Join("..", "..", "testdata", "quant", c.fixture, "model.onnx")
		r := invrep(t, "layers", "--model", model)
		if r.code != 0 || !strings.Contains(r.stdout, c.mark) || !strings.Contains(r.stdout, "[quantised to ") {
			t.Errorf("%s: layers: %s %s", c.fixture, r.stdout, r.stderr)
		}
		errs := map[bool]float64{}
		for _, deq := range []bool{false, true} {
			rep := filepath.Join(dir, c.fixture+".json")
			args := []string{"invert", "--model", model, "--layer", c.layer, "--image", img, "--out", filepath.Join(dir, c.fixture+".png"),
				"--report", rep, "--iters", "60", "--size", "64", "--quiet"}
			if deq {
				args = append(args, "--dequantize")
			}
			if r := invrep(t, args...); r.code != 0 {
				t.Fatalf("%s (dequantize %v): %s", c.fixture, deq, r.stderr)
			}
			var report struct {
				Final []float64 `json:"final_relative_error"`
			}
			raw, _ := os.ReadFile(rep)
			if err := json.Unmarshal(raw, &report); err != nil || len(report.Final) != 1 || !(report.Final[0] < 1) {
				t.Fatalf("%s (dequantize %v): final error %v, %v", c.fixture, deq, report.Final, err)
			}
			errs[deq] = report.Final[0]
		}
		if errs[false] == errs[true] {
			t.Errorf("%s: the quantised model and its float twin reach the same error %g", c.fixture, errs[false])
		}
	}
	r := invrep(t, "layers", "--model", tinyModel(t, dir), "--dequantize")
	if r.code != 2 || !strings.Contains(r.stderr, "no quantisers") {
		t.Errorf("--dequantize on a float model: exit %d, %s", r.code, r.stderr)
	}
}

// TestHalfPrecision: a model stored in float16, inputs and outputs too,
// loads, says so in layers and in the invert report, and computes what
// its float32 twin (the same rounded weights) computes.
func TestHalfPrecision(t *testing.T) {
	dir := t.TempDir()
	img := tinyImage(t, dir)
	half := filepath.Join("..", "..", "testdata", "half", "half-fp16", "model.onnx")
	twin := filepath.Join("..", "..", "testdata", "half", "half-fp32", "model.onnx")
	r := invrep(t, "layers", "--model", half)
	if r.code != 0 || !strings.Contains(r.stdout, "half precision (float16)") {
		t.Fatalf("layers: %s %s", r.stdout, r.stderr)
	}
	var feats [2][]byte
	for i, m := range []string{half, twin} {
		out := filepath.Join(dir, "f.npy")
		if r := invrep(t, "features", "--model", m, "--layer", "out", "--image", img, "--out", out); r.code != 0 {
			t.Fatalf("features of %s: %s", m, r.stderr)
		}
		feats[i], _ = os.ReadFile(out)
	}
	if string(feats[0]) != string(feats[1]) {
		t.Error("the float16 file's features differ from its float32 twin's")
	}
	rep := filepath.Join(dir, "r.json")
	if r := invrep(t, "invert", "--model", half, "--layer", "out", "--image", img, "--out", filepath.Join(dir, "h.png"), "--report", rep, "--iters", "3", "--quiet"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	raw, _ := os.ReadFile(rep)
	if !strings.Contains(string(raw), `"file_precision": "float16"`) {
		t.Errorf("the report does not say the file was float16: %.300s", raw)
	}
}
