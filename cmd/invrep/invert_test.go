package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyImage writes a 12×10 PNG.
func tinyImage(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "img.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, gradientImage(12, 10)); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInvertCommand(t *testing.T) {
	dir := t.TempDir()
	model, img := tinyModel(t, dir), tinyImage(t, dir)
	out, rep := filepath.Join(dir, "rec.png"), filepath.Join(dir, "rec.json")
	r := invrep(t, "invert", "--model", model, "--layer", "relu_out", "--image", img, "--out", out, "--report", rep,
		"--iters", "60", "--repeats", "2", "--with-original", "--tv-code", "1", "--seed", "3", "--size", "96")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pic, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// original + 2 reconstructions of 96×96 with 4-pixel gaps.
	if b := pic.Bounds(); b.Dx() != 3*96+2*4 || b.Dy() != 96 {
		t.Fatalf("PNG is %v, want 296×96", b)
	}
	raw, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Version  string         `json:"invrep_version"`
		Settings map[string]any `json:"settings"`
		History  []struct {
			Iter  int       `json:"iter"`
			Terms []float64 `json:"terms"`
		} `json:"history"`
		Final []float64 `json:"final_relative_error"`
		Ms    float64   `json:"ms_per_iter"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	if report.Version != version || len(report.Final) != 2 || report.Ms <= 0 {
		t.Fatalf("report: %+v", report)
	}
	if report.Settings["tv"] != 0.5 || report.Settings["tv_code"] != 1.0 || report.Settings["repeats"] != 2.0 {
		t.Fatalf("settings: %v", report.Settings)
	}
	iters := []int{1, 25, 50, 60}
	if len(report.History) != len(iters) {
		t.Fatalf("history at %v, want %v", report.History, iters)
	}
	for i, h := range report.History {
		if h.Iter != iters[i] || len(h.Terms) != 3 {
			t.Fatalf("history[%d] = %+v", i, h)
		}
	}
	// 96×96 keeps the paper's σ-scaled noise near natural pixel values; 60
	// iterations of a 4-channel conv+ReLU get well below the start (~1).
	for _, e := range report.Final {
		if !(e >= 0 && e < 0.2) {
			t.Fatalf("final relative errors %v", report.Final)
		}
	}
}

// TestInvertIJCV: --method ijcv through the binary: two stages in the
// history, the jitter from the layer's receptive field (stride 2 at the
// pool: J = 1; given by hand here), the report's settings.
func TestInvertIJCV(t *testing.T) {
	dir := t.TempDir()
	model, img := tinyModel(t, dir), tinyImage(t, dir)
	out, rep := filepath.Join(dir, "rec.png"), filepath.Join(dir, "rec.json")
	r := invrep(t, "invert", "--model", model, "--layer", "pool_out", "--image", img, "--out", out, "--report", rep,
		"--method", "ijcv", "--c", "20", "--jitter", "3", "--iters", "14", "--repeats", "2", "--size", "16", "--channels", "1:3", "--quiet")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(rep)
	var report struct {
		Settings map[string]any `json:"settings"`
		History  []struct {
			Iter int     `json:"iter"`
			LR   float64 `json:"lr"`
		} `json:"history"`
		Final []float64 `json:"final_relative_error"`
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	st := report.Settings
	if st["method"] != "ijcv" || st["c"] != 20.0 || st["jitter"] != 3.0 || fmt.Sprint(st["stages"]) != "[12 2]" || st["tv"] != nil || st["channels"] != "1:3" {
		t.Errorf("settings %v", st)
	}
	h := report.History
	if len(h) < 2 || h[len(h)-1].Iter != 14 || math.Abs(h[len(h)-1].LR/h[0].LR-0.1) > 1e-9 || len(report.Final) != 2 {
		t.Errorf("history %v, final %v", h, report.Final)
	}
	f, _ := os.Open(out)
	pic, err := png.Decode(f)
	f.Close()
	if err != nil || pic.Bounds().Dx() != 16+4+16 || pic.Bounds().Dy() != 16 {
		t.Errorf("picture: %v %v (want two 16×16 reconstructions, 4 pixels apart)", err, pic.Bounds())
	}
}

func TestInvertErrors(t *testing.T) {
	dir := t.TempDir()
	model, img := tinyModel(t, dir), tinyImage(t, dir)
	out := filepath.Join(dir, "rec.png")
	base := []string{"invert", "--model", model, "--layer", "relu_out", "--image", img, "--out", out, "--iters", "3"}
	for _, c := range []struct {
		name   string
		extra  []string
		code   int
		stderr string
	}{
		{"negative iterations", []string{"--iters", "-1"}, 2, "--iters"},
		{"malformed channels", []string{"--channels", "3-2"}, 2, "--channels"},
		{"reversed channels", []string{"--channels", "3:2"}, 2, "--channels"},
		{"channels outside the layer", []string{"--channels", "0:9"}, 2, "--channels"},
		{"neighbourhood too large", []string{"--neigh", "9"}, 2, "--neigh"},
		{"both tv flags", []string{"--tv", "5", "--tv-code", "10"}, 2, "--tv"},
		{"not a png", []string{"--out", filepath.Join(dir, "rec.jpg")}, 2, "--out"},
		{"zero repeats", []string{"--repeats", "0"}, 2, "--repeats"},
		{"bad layer", []string{"--layer", "reluout"}, 2, "relu_out"},
		{"mask shape", []string{"--mask", filepath.Join(dir, "m.npy")}, 1, "m.npy"},
		{"unknown method", []string{"--method", "eccv"}, 2, "--method"},
		{"ijcv flag without ijcv", []string{"--c", "20"}, 2, "--c"},
		{"tv with ijcv", []string{"--method", "ijcv", "--tv", "5"}, 2, "--tv"},
		{"negative c", []string{"--method", "ijcv", "--c", "-1"}, 2, "--c"},
		{"one ijcv iteration", []string{"--method", "ijcv", "--iters", "1"}, 2, "--iters"},
	} {
		os.WriteFile(filepath.Join(dir, "m.npy"), []byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }                     \n\x00\x00\x00\x00\x00\x00\x80\x3f"), 0o644)
		args := append(append([]string(nil), base...), c.extra...)
		r := invrep(t, args...)
		if r.code != c.code || !contains(r.stderr, c.stderr) {
			t.Errorf("%s: exit %d (want %d), stderr %q", c.name, r.code, c.code, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: %s left behind", c.name, out)
			os.Remove(out)
		}
	}
}

// TestModernModels: module paths, token layers and their masks through the
// binary, on the project's tiny ViT and ConvNeXt exports.
func TestModernModels(t *testing.T) {
	dir := t.TempDir()
	img := tinyImage(t, dir)
	vit := filepath.Join("..", "..", "testdata", "families", "vit-opset17", "model.onnx")
	cnx := filepath.Join("..", "..", "testdata", "families", "convnext-opset17", "model.onnx")
	r := invrep(t, "layers", "--model", cnx, "--modules")
	if r.code != 0 || !strings.Contains(r.stdout, "features.1.0.block.3") || !strings.Contains(r.stdout, "/features/features.1/features.1.0/Add_output_0") {
		t.Fatalf("layers --modules: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, c := range []struct {
		model string
		args  []string
	}{
		{cnx, []string{"--layer", "features.1"}},
		{cnx, []string{"--layer", "features.3", "--neigh", "1"}},
		{vit, []string{"--layer", "encoder.layers.encoder_layer_0"}},
		{vit, []string{"--layer", "encoder.layers.encoder_layer_1", "--tokens", "1:17", "--channels", "0:8"}},
		{vit, []string{"--layer", "encoder.layers.encoder_layer_1.mlp", "--neigh", "2"}},
	} {
		out, rep := filepath.Join(dir, "rec.png"), filepath.Join(dir, "rec.json")
		args := append([]string{"invert", "--model", c.model, "--image", img, "--out", out, "--report", rep, "--iters", "300", "--size", "32", "--quiet"}, c.args...)
		r := invrep(t, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, r.code, r.stderr)
		}
		raw, err := os.ReadFile(rep)
		if err != nil {
			t.Fatal(err)
		}
		var report struct {
			Final []float64 `json:"final_relative_error"`
		}
		if err := json.Unmarshal(raw, &report); err != nil || len(report.Final) != 1 || !(report.Final[0] < 1) {
			t.Fatalf("%v: final relative error %v (%v), want a finite value below 1", c.args, report.Final, err)
		}
	}
	r = invrep(t, "invert", "--model", cnx, "--image", img, "--out", filepath.Join(dir, "x.png"), "--layer", "features.1", "--tokens", "0:1", "--size", "32")
	if r.code != 2 || !strings.Contains(r.stderr, "--tokens") {
		t.Fatalf("--tokens on a feature map: exit %d, %s", r.code, r.stderr)
	}
	// Swin's export wrote its batch of 1 into Reshape shapes.
	swin := filepath.Join("..", "..", "testdata", "families", "swin-opset17", "model.onnx")
	r = invrep(t, "invert", "--model", swin, "--image", img, "--out", filepath.Join(dir, "x.png"), "--layer", "features.3", "--repeats", "2", "--size", "16")
	if r.code != 1 || !strings.Contains(r.stderr, "dynamic batch axis") {
		t.Fatalf("--repeats on a batch-1 export: exit %d, %s", r.code, r.stderr)
	}
}
