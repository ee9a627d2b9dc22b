package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMaximizeCommand: channels, a range as a mosaic, and a class by name
// through the binary, on the tiny model; the unit ends far above its
// statistic on the photos; bad selections are usage errors.
func TestMaximizeCommand(t *testing.T) {
	dir := t.TempDir()
	model, img := tinyModel(t, dir), tinyImage(t, dir)
	photos := filepath.Join(dir, "photos")
	os.Mkdir(photos, 0o755)
	os.Link(img, filepath.Join(photos, "a.png"))
	os.WriteFile(filepath.Join(dir, "imagenet_synsets.txt"), []byte("n0 tench, Tinca tinca\nn1 goldfish\nn2 coffee mug\nn3 comic book\n"), 0o644)
	out, rep := filepath.Join(dir, "max.png"), filepath.Join(dir, "max.json")
	r := invrep(t, "maximize", "--model", model, "--layer", "relu_out", "--channel", "1", "--stats", photos, "--iters", "60", "--out", out, "--report", rep, "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "channel 1") {
		t.Fatalf("--channel: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	var ratio float64
	_, rest, _ := strings.Cut(r.stdout, "channel 1 ")
	if _, err := fmt.Sscanf(rest, "%g×", &ratio); err != nil || !(ratio > 2) {
		t.Errorf("unit at %g× the photos' maximum (%v): %s", ratio, err, r.stdout)
	}
	b, _ := os.ReadFile(rep)
	var report struct {
		Settings map[string]any     `json:"settings"`
		Final    map[string]float64 `json:"final_terms"`
	}
	if err := json.Unmarshal(b, &report); err != nil || report.Settings["method"] != "ijcv-maximize" || report.Settings["side"] != 3.0 ||
		!(report.Final["units"] < 0) || len(report.Final) != 4 {
		t.Errorf("report %s (%v)", b, err)
	}
	// Statistics are cached beside the model.
	if m, _ := filepath.Glob(filepath.Join(dir, ".invrep-stats", "relu_out-*.json")); len(m) != 1 {
		t.Errorf("cached statistics: %v", m)
	}
	r = invrep(t, "maximize", "--model", model, "--layer", "pool_out", "--channels", "0:4", "--iters", "20", "--out", out, "--quiet")
	f, _ := os.Open(out)
	pic, err := png.Decode(f)
	f.Close()
	// pool_out sees 4 pixels at stride 2: reps = round(2.2) made odd, 3,
	// so 6-pixel images, four in a row 4 pixels apart below a label bar.
	if r.code != 0 || err != nil || pic.Bounds().Dx() != 4*6+3*4 || pic.Bounds().Dy() != 18+6 {
		t.Fatalf("--channels: exit %d %s, picture %v %v", r.code, r.stderr, pic.Bounds(), err)
	}
	r = invrep(t, "maximize", "--model", model, "--layer", "pool_out", "--class", "Coffee Mug", "--iters", "5", "--out", out, "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "coffee mug") {
		t.Errorf("--class: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--channel", "1", "--channels", "0:2"}, 2, "one of --channel"},
		{[]string{}, 2, "one of --channel"},
		{[]string{"--channel", "9"}, 2, "4 channels"},
		{[]string{"--class", "teapot"}, 2, "no class named"},
		{[]string{"--channel", "1", "--iters", "0"}, 2, "--iters"},
	} {
		args := append([]string{"maximize", "--model", model, "--layer", "relu_out", "--out", filepath.Join(dir, "bad.png"), "--quiet"}, c.args...)
		r := invrep(t, args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d (want %d), stderr %q", c.args, r.code, c.code, r.stderr)
		}
	}
}

// TestCaricatureCommand: the photo and its caricature side by side.
func TestCaricatureCommand(t *testing.T) {
	dir := t.TempDir()
	model, img := tinyModel(t, dir), tinyImage(t, dir)
	out := filepath.Join(dir, "car.png")
	r := invrep(t, "caricature", "--model", model, "--layer", "relu_out", "--image", img, "--size", "12", "--iters", "30", "--out", out, "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "features moved by") {
		t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	f, _ := os.Open(out)
	pic, err := png.Decode(f)
	f.Close()
	if err != nil || pic.Bounds().Dx() != 12+4+12 || pic.Bounds().Dy() != 12 {
		t.Errorf("picture %v %v", pic.Bounds(), err)
	}
}

// TestSweepIJCV: an IJCV sweep through the binary, beside its refusals.
func TestSweepIJCV(t *testing.T) {
	dir, model, imgs := sweepFixture(t)
	sw := filepath.Join(dir, "sweep")
	base := []string{"sweep", "--model", model, "--layers", "pool_out", "--images", imgs, "--out", sw, "--size", "16", "--quiet"}
	r := invrep(t, append(base, "--method", "ijcv", "--c", "1,100", "--iters", "6")...)
	if r.code != 0 || !strings.Contains(r.stdout, "4 runs done") {
		t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = invrep(t, append(base, "--method", "ijcv", "--repeats", "2", "--iters", "6")...)
	b, _ := os.ReadFile(filepath.Join(sw, "results.jsonl"))
	if r.code != 0 || !strings.Contains(r.stdout, "2 runs done") || strings.Count(string(b), `"rel_errors":[`) != 2 {
		t.Fatalf("--repeats 2: exit %d %s %s\n%s", r.code, r.stdout, r.stderr, b)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--method", "ijcv", "--tv", "5"}, 2, "--tv"},
		{[]string{"--c", "5"}, 2, "--c"},
		{[]string{"--method", "ijcv", "--c", "0"}, 2, "--c"},
		{[]string{"--method", "sgd"}, 2, "--method"},
		{[]string{"--classify"}, 1, "not a vector of class scores"},
		{[]string{"--repeats", "0"}, 2, "--repeats"},
	} {
		r := invrep(t, append(append([]string(nil), base...), c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d (want %d), stderr %q", c.args, r.code, c.code, r.stderr)
		}
	}
}

// TestVisualizeCommand: an objective expression through the binary on
// the tiny model, a batch side by side, the report's final terms, and an
// expression error that points at its column.
func TestVisualizeCommand(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	out, rep := filepath.Join(dir, "vis.png"), filepath.Join(dir, "vis.json")
	r := invrep(t, "visualize", "--model", model, "--objective", "relu_out:1 - 0.5*pool_out:2@c + 1e-3*tv", "--batch", "2",
		"--steps", "20", "--size", "16", "--decorrelate", "--param", "fft", "--out", out, "--report", rep, "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "2 image(s)") {
		t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	f, _ := os.Open(out)
	pic, err := png.Decode(f)
	f.Close()
	if err != nil || pic.Bounds().Dx() != 16+4+16 || pic.Bounds().Dy() != 16 {
		t.Fatalf("picture %v %v", pic.Bounds(), err)
	}
	b, _ := os.ReadFile(rep)
	var report struct {
		Terms []string           `json:"terms"`
		Final map[string]float64 `json:"final_terms"`
	}
	if err := json.Unmarshal(b, &report); err != nil || len(report.Terms) != 3 || !(report.Final["relu_out:1"] < 0) {
		t.Errorf("report %s (%v)", b, err)
	}
	r = invrep(t, "visualize", "--model", model, "--objective", "relu_out:1 + relu_out:x", "--out", out, "--quiet")
	if r.code != 2 || !strings.Contains(r.stderr, "column 23") || !strings.Contains(r.stderr, "^") {
		t.Errorf("bad expression: exit %d, %q", r.code, r.stderr)
	}
	r = invrep(t, "visualize", "--model", model, "--objective", "relu_out:1", "--transforms", "pad=2,jitter=2,rotate=5", "--steps", "3", "--size", "16", "--out", out, "--quiet")
	if r.code != 0 {
		t.Errorf("--transforms list: exit %d, %q", r.code, r.stderr)
	}
	r = invrep(t, "visualize", "--model", model, "--objective", "relu_out:1", "--transforms", "jitter=4", "--out", out, "--quiet")
	if r.code != 2 || !strings.Contains(r.stderr, "pad more") {
		t.Errorf("--transforms jitter=4: exit %d, %q", r.code, r.stderr)
	}
	r = invrep(t, "visualize", "--model", model, "--objective", "cnv_out:1", "--out", out, "--quiet")
	if r.code != 2 || !strings.Contains(r.stderr, "conv_out") {
		t.Errorf("unknown layer: exit %d, %q", r.code, r.stderr)
	}
}

// TestSweepVisualizeCommand: a visualisation sweep through the binary, its
// report, and its refusals.
func TestSweepVisualizeCommand(t *testing.T) {
	dir, model, _ := sweepFixture(t)
	sw, rep := filepath.Join(dir, "vis"), filepath.Join(dir, "report")
	r := invrep(t, "sweep", "--model", model, "--layers", "relu_out,pool_out", "--visualize", "0:2", "--iters", "4", "--size", "16", "--out", sw, "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "2 runs done") {
		t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = invrep(t, "report", "--in", sw, "--out", rep)
	page, _ := os.ReadFile(filepath.Join(rep, "index.html"))
	if r.code != 0 || !strings.Contains(string(page), "Feature visualisations") {
		t.Fatalf("report: exit %d %s", r.code, r.stderr)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--visualize", "0:2", "--images", dir}, "take no --images"},
		{[]string{"--param", "fft"}, "apply to --visualize"},
		{[]string{"--visualize", "2:1"}, "--visualize"},
	} {
		args := append([]string{"sweep", "--model", model, "--layers", "relu_out", "--out", sw, "--quiet"}, c.args...)
		if r := invrep(t, args...); r.code != 2 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d, %q", c.args, r.code, r.stderr)
		}
	}
}
