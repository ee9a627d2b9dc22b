package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph/testenv"
)

// TestLeak: the leakage curve of SqueezeNet 1.1 at two layers over two
// photos: a CSV row per layer with finite PSNR and SSIM means, the start
// image's baseline row, both plots and the page; run again, the sweep
// resumes (nothing recomputed) and the same CSV comes out.
func TestLeak(t *testing.T) {
	shared := testenv.Shared(t)
	photos := t.TempDir()
	for _, p := range []string{"chelsea.png", "coffee.png"} {
		b, err := os.ReadFile(filepath.Join(shared, "images", p))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(photos, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "leak")
	args := []string{"leak", "--model", filepath.Join(shared, "models", "squeezenet1.1.onnx"), "--images", photos, "--out", out,
		"--layers", "fire1,fire5", "--iters", "6", "--repeats", "2", "--quiet"}
	r := invrep(t, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	first, err := os.ReadFile(filepath.Join(out, "leak.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(first))).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][5] != "mean_psnr_db" || rows[3][1] != "(start image)" {
		t.Fatalf("leak.csv: %q (%v)", rows, err)
	}
	for _, row := range rows[1:3] {
		psnr, err1 := strconv.ParseFloat(row[5], 64)
		ssim, err2 := strconv.ParseFloat(row[7], 64)
		if err1 != nil || err2 != nil || !(psnr > 0 && psnr < 60) || !(ssim > -1 && ssim < 1) || row[4] != "2" {
			t.Errorf("row %q", row)
		}
	}
	for _, f := range []string{"leak_psnr.png", "leak_ssim.png", "leak.html", filepath.Join("report", "index.html")} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	r = invrep(t, args...)
	if r.code != 0 || !strings.Contains(r.stdout, "0 runs done, 4 already done") {
		t.Fatalf("second run: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	if again, _ := os.ReadFile(filepath.Join(out, "leak.csv")); string(again) != string(first) {
		t.Errorf("the resumed run's CSV differs:\n%s\n%s", first, again)
	}
	if r := invrep(t, "leak", "--model", "x", "--images", photos, "--out", out); r.code != 2 || !strings.Contains(r.stderr, "--layers") {
		t.Errorf("no layers: exit %d, %s", r.code, r.stderr)
	}
}
