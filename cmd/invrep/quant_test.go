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
