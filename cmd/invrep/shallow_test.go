package main

import (
	"encoding/csv"
	"fmt"
	"html"
	"image/png"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/onnxload"
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
	h, err := npy.Load(filepath.Join(dir, "h.npy"))
	if r.code != 0 || err != nil || graph.ShapeString(h.Shape) != "4,5,27" {
		t.Fatalf("HOG features: exit %d %s, shape %v (%v)", r.code, r.stderr, h, err)
	}
	r = invrep(t, "features", "--rep", "dsift", "--cell", "4", "--image", img, "--out", filepath.Join(dir, "d.npy"))
	d, err := npy.Load(filepath.Join(dir, "d.npy"))
	if r.code != 0 || err != nil || len(d.Shape) != 2 || d.Shape[1] != 128 {
		t.Fatalf("DSIFT features: exit %d %s, %v", r.code, r.stderr, err)
	}
	r = invrep(t, "features", "--rep", "hog", "--image", img, "--out", filepath.Join(dir, "glyphs.png"))
	if r.code != 0 {
		t.Fatalf("HOG glyphs: %s", r.stderr)
	}
	// --profile: a line per kind of op, the binning among them, and a
	// total; --cpuprofile and --memprofile write pprof's files.
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	r = invrep(t, "invert", "--rep", "hog", "--image", img, "--out", filepath.Join(dir, "p.png"), "--iters", "4", "--profile", "--cpuprofile", cpu, "--memprofile", mem)
	if r.code != 0 || !strings.Contains(r.stdout, "Histogram(") || !strings.Contains(r.stdout, "dHistogram(") || !strings.Contains(r.stdout, "all ops") {
		t.Fatalf("invert --profile: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{cpu, mem} {
		// A pprof file is gzipped protobuf.
		if b, err := os.ReadFile(f); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Fatalf("%s is not a gzipped profile: %v", f, err)
		}
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

// sweepFixture is a folder with the tiny model and a folder of two small
// photos, a.png and b.png.
func sweepFixture(t *testing.T) (dir, model, imgs string) {
	dir = t.TempDir()
	model = tinyModel(t, dir)
	imgs = filepath.Join(dir, "imgs")
	os.Mkdir(imgs, 0o755)
	writePNG(t, filepath.Join(imgs, "a.png"), 20, 16)
	writePNG(t, filepath.Join(imgs, "b.png"), 18, 18)
	return dir, model, imgs
}

func TestZooAndSweepCommands(t *testing.T) {
	dir, model, imgs := sweepFixture(t)
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
	dir, model, imgs := sweepFixture(t)
	os.Rename(filepath.Join(imgs, "a.png"), filepath.Join(imgs, "x.png"))
	os.Rename(filepath.Join(imgs, "b.png"), filepath.Join(imgs, "x.jpg")) // a PNG named .jpg decodes all the same
	sw := filepath.Join(dir, "sweep")
	r := invrep(t, "sweep", "--model", model, "--layers", "conv_out", "--images", imgs, "--out", sw, "--iters", "5", "--size", "32", "--quiet", "--tv", "5,5")
	if r.code != 0 || !strings.Contains(r.stdout, "2 runs done") {
		t.Fatalf("sweep (--tv 5,5 counts once): exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	pngs, _ := filepath.Glob(filepath.Join(sw, "png", "*", "conv_out", "*.png"))
	origs, _ := filepath.Glob(filepath.Join(sw, "originals", "*", "*.png"))
	if len(pngs) != 2 || len(origs) != 2 {
		t.Fatalf("reconstructions %v, originals %v: want two of each", pngs, origs)
	}
}

// TestHostileNames: layer and photo names that would collide once made
// file names (a/b and a_b), escape their folder (..), split a CSV row or
// run as a spreadsheet formula (=x,"y"), or break an image URL (#, ?, %)
// keep their own files, and the report quotes and escapes them (a comma
// comes in the model's file name: --layers is itself comma-separated).
func TestHostileNames(t *testing.T) {
	dir := t.TempDir()
	w := &onnxload.Tensor{Dims: []int64{4, 3, 3, 3}}
	for i := 0; i < 108; i++ {
		w.Float = append(w.Float, float32(math.Sin(float64(i))))
	}
	m := &onnxload.Model{Opset: 13, Initializers: map[string]*onnxload.Tensor{"w": w},
		Inputs: []onnxload.ValueInfo{{Name: "data", Dims: []int64{1, 3, 8, 8}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Nodes: []onnxload.Node{
			{Name: "conv", OpType: "Conv", Inputs: []string{"data", "w"}, Outputs: []string{"a/b"}, Attrs: map[string]any{"pads": []int64{1, 1, 1, 1}}},
			{Name: "r1", OpType: "Relu", Inputs: []string{"a/b"}, Outputs: []string{"a_b"}},
			{Name: "r2", OpType: "Sigmoid", Inputs: []string{"a_b"}, Outputs: []string{".."}},
			{Name: "r3", OpType: "Tanh", Inputs: []string{".."}, Outputs: []string{`=x"y`}},
		},
		Outputs: []string{`=x"y`}}
	model := writeModel(t, dir, "h,ostile.onnx", m)
	imgs := filepath.Join(dir, "imgs")
	os.Mkdir(imgs, 0o755)
	writePNG(t, filepath.Join(imgs, "p#1?%.png"), 20, 16)
	writePNG(t, filepath.Join(imgs, "a:b.png"), 18, 18)
	writePNG(t, filepath.Join(imgs, "a_b.png"), 16, 20)
	sw := filepath.Join(dir, "sweep")
	r := invrep(t, "sweep", "--model", model, "--layers", `a/b,a_b,..,=x"y`, "--images", imgs, "--out", sw, "--iters", "5", "--size", "16", "--quiet",
		"--mean", "0.5,0.5,0.5", "--std", "0.5,0.5,0.5")
	if r.code != 0 {
		t.Fatalf("sweep: exit %d, %s", r.code, r.stderr)
	}
	targets, _ := filepath.Glob(filepath.Join(sw, "targets", "*", "*", "*.npy"))
	if len(targets) != 12 {
		t.Fatalf("%d target files for 4 layers × 3 photos: %v", len(targets), targets)
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !strings.HasPrefix(p, sw) && !strings.HasPrefix(p, imgs) && filepath.Dir(p) != dir {
			t.Errorf("a file outside the sweep folder: %s", p)
		}
		return nil
	})
	rep := filepath.Join(dir, "report")
	if r := invrep(t, "report", "--in", sw, "--out", rep); r.code != 0 {
		t.Fatalf("report: %s", r.stderr)
	}
	f, _ := os.Open(filepath.Join(rep, "table.csv"))
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 5 || rows[1][7] != "3" {
		t.Fatalf("table.csv: %d rows, %v", len(rows), err)
	}
	found := false
	for _, row := range rows {
		found = found || (row[1] == `'=x"y` && strings.HasSuffix(row[0], "h,ostile.onnx"))
	}
	if !found {
		t.Errorf("the comma or the formula-like layer did not stay one neutralised cell: %q", rows)
	}
	// Every montage the page shows loads: its src, unescaped as a URL
	// path, names a file of the report.
	page, _ := os.ReadFile(filepath.Join(rep, "index.html"))
	srcs := regexp.MustCompile(`src="\./([^"]*)"`).FindAllStringSubmatch(string(page), -1)
	if len(srcs) != 3 {
		t.Fatalf("%d montages on the page, want 3 (a:b.png and a_b.png apart)", len(srcs))
	}
	seen := map[string]bool{}
	for _, m := range srcs {
		if seen[m[1]] {
			t.Errorf("two photos share the montage %s", m[1])
		}
		seen[m[1]] = true
		name, err := url.PathUnescape(html.UnescapeString(m[1]))
		if err != nil || strings.ContainsAny(m[1], "#?") {
			t.Errorf("src %q is not an escaped path", m[1])
			continue
		}
		if _, err := os.Stat(filepath.Join(rep, name)); err != nil {
			t.Errorf("src %q names no file: %v", m[1], err)
		}
	}
}
