package main

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/invrep/invrep/graph"
)

func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	png.Encode(f, gradientImage(w, h))
}

func TestShallowCommands(t *testing.T) {
	dir := t.TempDir()
	photos := filepath.Join(dir, "photos")
	os.Mkdir(photos, 0o755)
	img := filepath.Join(photos, "a.png")
	writePNG(t, img, 40, 32)
	writePNG(t, filepath.Join(photos, "b.png"), 36, 30)

	r := invrep(t, "features", "--rep", "hog", "--image", img, "--out", filepath.Join(dir, "h.npy"))
	h, err := graph.LoadNpy(filepath.Join(dir, "h.npy"))
	if r.code != 0 || err != nil || graph.ShapeString(h.Shape) != "4,5,27" {
		t.Fatalf("HOG features: exit %d %s, shape %v (%v)", r.code, r.stderr, h, err)
	}
	r = invrep(t, "features", "--rep", "dsift", "--cell", "4", "--image", img, "--out", filepath.Join(dir, "d.npy"))
	d, err := graph.LoadNpy(filepath.Join(dir, "d.npy"))
	if r.code != 0 || err != nil || len(d.Shape) != 2 || d.Shape[1] != 128 {
		t.Fatalf("DSIFT features: exit %d %s, %v", r.code, r.stderr, err)
	}
	r = invrep(t, "features", "--rep", "hog", "--image", img, "--out", filepath.Join(dir, "glyphs.png"))
	if r.code != 0 {
		t.Fatalf("HOG glyphs: %s", r.stderr)
	}
	// --profile: a line per kind of op, the binning among them, and a total.
	r = invrep(t, "invert", "--rep", "hog", "--image", img, "--out", filepath.Join(dir, "p.png"), "--iters", "4", "--profile")
	if r.code != 0 || !strings.Contains(r.stdout, "Histogram(") || !strings.Contains(r.stdout, "dHistogram(") || !strings.Contains(r.stdout, "all ops") {
		t.Fatalf("invert --profile: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The built-in sample, no --image: the quick start.
	r = invrep(t, "invert", "--rep", "hogb", "--out", filepath.Join(dir, "inv.png"), "--iters", "4", "--report", filepath.Join(dir, "inv.json"))
	if r.code != 0 || !strings.Contains(r.stdout, "relative feature error") {
		t.Fatalf("invert --rep hogb: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	f, _ := os.Open(filepath.Join(dir, "inv.png"))
	pic, err := png.Decode(f)
	f.Close()
	if err != nil || pic.Bounds().Dx() != 451 || pic.Bounds().Dy() != 300 {
		t.Fatalf("sample reconstruction: %v %v", pic.Bounds(), err)
	}
	csv := filepath.Join(dir, "t.csv")
	r = invrep(t, "eval", "--rep", "hog,dsift", "--cell", "4", "--images", photos, "--iters", "4", "--out", csv, "--quiet")
	b, _ := os.ReadFile(csv)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if r.code != 0 || len(lines) != 3 || lines[0] != "rep,mean_error_pct,std_error_pct,images,seconds_per_image" ||
		!strings.HasPrefix(lines[1], "hog,") || !strings.HasSuffix(strings.Split(lines[2], ",")[3], "2") {
		t.Fatalf("eval: exit %d %s\n%s", r.code, r.stderr, b)
	}
}

func TestZooAndSweepCommands(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	imgs := filepath.Join(dir, "imgs")
	os.Mkdir(imgs, 0o755)
	writePNG(t, filepath.Join(imgs, "a.png"), 20, 16)
	writePNG(t, filepath.Join(imgs, "b.png"), 18, 18)
	r := invrep(t, "zoo", "list", "--models-dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "squeezenet1.1") || !strings.Contains(r.stdout, "caffenet") {
		t.Fatalf("zoo list: %s %s", r.stdout, r.stderr)
	}
	sw := filepath.Join(dir, "sweep")
	r = invrep(t, "sweep", "--model", model, "--layers", "conv_out,pool_out", "--images", imgs, "--out", sw, "--iters", "5", "--size", "32", "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "4 runs done") {
		t.Fatalf("sweep: %s %s", r.stdout, r.stderr)
	}
	r = invrep(t, "sweep", "--model", model, "--layers", "conv_out,pool_out", "--images", imgs, "--out", sw, "--iters", "5", "--size", "32", "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "0 runs done, 4 already done") {
		t.Fatalf("resumed sweep: %s %s", r.stdout, r.stderr)
	}
	// A second sweep on a folder another process is sweeping: refused,
	// naming the holder (here this test, holding the lock as a sweep would).
	lock, err := os.OpenFile(filepath.Join(sw, ".invrep.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	lock.Truncate(0)
	fmt.Fprintf(lock, "%d\n", os.Getpid())
	r = invrep(t, "sweep", "--model", model, "--layers", "conv_out,pool_out", "--images", imgs, "--out", sw, "--iters", "5", "--size", "32", "--quiet")
	lock.Close()
	if r.code != 1 || !strings.Contains(r.stderr, "in use") || !strings.Contains(r.stderr, fmt.Sprintf("process %d", os.Getpid())) {
		t.Fatalf("a second sweep on a locked folder: exit %d, %s", r.code, r.stderr)
	}
	rep := filepath.Join(dir, "report")
	r = invrep(t, "report", "--in", sw, "--out", rep)
	if r.code != 0 {
		t.Fatalf("report: %s", r.stderr)
	}
	for _, f := range []string{"index.html", "table.md", "table.csv", "error_vs_depth.png"} {
		if _, err := os.Stat(filepath.Join(rep, f)); err != nil {
			t.Errorf("report lacks %s", f)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(rep, "montage__*.png")); len(m) != 2 {
		t.Errorf("report has %d montages, want one per image", len(m))
	}
}

// TestReportIdenticalPhotos: two copies of one photo give a zero
// normaliser; report says why and writes nothing.
func TestReportIdenticalPhotos(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	imgs := filepath.Join(dir, "same")
	os.Mkdir(imgs, 0o755)
	writePNG(t, filepath.Join(imgs, "a.png"), 20, 16)
	raw, _ := os.ReadFile(filepath.Join(imgs, "a.png"))
	os.WriteFile(filepath.Join(imgs, "b.png"), raw, 0o644)
	sw := filepath.Join(dir, "sweep")
	if r := invrep(t, "sweep", "--model", model, "--layers", "conv_out", "--images", imgs, "--out", sw, "--iters", "5", "--size", "32", "--quiet"); r.code != 0 {
		t.Fatalf("sweep: %s", r.stderr)
	}
	rep := filepath.Join(dir, "report")
	r := invrep(t, "report", "--in", sw, "--out", rep)
	if r.code != 1 || !strings.Contains(r.stderr, "identical") {
		t.Fatalf("report on identical photos: exit %d, %s", r.code, r.stderr)
	}
	if entries, _ := os.ReadDir(rep); len(entries) != 0 {
		t.Errorf("report wrote %d files though it failed", len(entries))
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".report.invrep-tmp-*")); len(leftovers) != 0 {
		t.Errorf("staging folder left: %v", leftovers)
	}
}

// TestSweepSameStem: x.jpg and x.png are two images with their own files;
// a λ given twice is one run.
func TestSweepSameStem(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	imgs := filepath.Join(dir, "imgs")
	os.Mkdir(imgs, 0o755)
	writePNG(t, filepath.Join(imgs, "x.png"), 20, 16)
	writePNG(t, filepath.Join(imgs, "y.png"), 18, 18)
	os.Rename(filepath.Join(imgs, "y.png"), filepath.Join(imgs, "x.jpg")) // a PNG named .jpg decodes all the same
	sw := filepath.Join(dir, "sweep")
	r := invrep(t, "sweep", "--model", model, "--layers", "conv_out", "--images", imgs, "--out", sw, "--iters", "5", "--size", "32", "--quiet", "--tv", "5,5")
	if r.code != 0 || !strings.Contains(r.stdout, "2 runs done") {
		t.Fatalf("sweep (--tv 5,5 counts once): exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	pngs, _ := filepath.Glob(filepath.Join(sw, "png", "conv_out", "*.png"))
	origs, _ := filepath.Glob(filepath.Join(sw, "originals", "*.png"))
	if len(pngs) != 2 || len(origs) != 2 {
		t.Fatalf("reconstructions %v, originals %v: want two of each", pngs, origs)
	}
}
