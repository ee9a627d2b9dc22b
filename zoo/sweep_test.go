package zoo

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/invert"
)

// fixtureRep is a tiny two-layer network: "conv" (3→4 channels, 3×3, ReLU)
// and "pool" (2×2 max pooling of conv).
func fixtureRep(layer string) invert.Representation {
	return invert.RepresentationFunc(func(shape []int) (*graph.Graph, *graph.Node, error) {
		g, nodes, err := fixtureLayers{}.BuildLayers(shape, nil, nil)
		if err != nil {
			return nil, nil, err
		}
		return g, nodes[layer], nil
	})
}

func writeImages(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for k, name := range []string{"a.png", "b.png"} {
		img := image.NewNRGBA(image.Rect(0, 0, 20, 16))
		for y := 0; y < 16; y++ {
			for x := 0; x < 20; x++ {
				img.SetNRGBA(x, y, color.NRGBA{uint8(10*x + 40*k), uint8(12 * y), uint8(100 + 5*(x-y)*(k+1)), 255})
			}
		}
		p := filepath.Join(dir, name)
		f, _ := os.Create(p)
		png.Encode(f, img)
		f.Close()
		out = append(out, p)
	}
	return out
}

func fixtureConfig(t *testing.T, out string, images []string) SweepConfig {
	return SweepConfig{
		Model: "fixture", Images: images, Iters: 30, Seed: 1, Size: [2]int{64, 64}, Norm: graph.ImageNet, Out: out, Workers: 2,
		Layers: []SweepLayer{{Name: "conv", Index: 1, Depth: 0.5}, {Name: "pool", Index: 2, Depth: 1}},
		Rep:    fixtureRep,
	}
}

func keys(rs []Result) map[string]Result {
	m := map[string]Result{}
	for _, r := range rs {
		m[r.Key] = r
	}
	return m
}

// TestSweepResume: a sweep interrupted after its first run loses nothing
// but the runs in flight, leaves no temporary files, and a second run
// completes it without repeating or duplicating anything.
func TestSweepResume(t *testing.T) {
	tmp := t.TempDir()
	images := writeImages(t, tmp)
	out := filepath.Join(tmp, "sweep")
	cfg := fixtureConfig(t, out, images)
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Progress = func(done, _ int) { cancel() }
	done, _, err := Sweep(ctx, cfg)
	if err == nil || done < 1 || done >= 4 {
		t.Fatalf("interrupted sweep: done %d, err %v", done, err)
	}
	first, _ := ReadResults(out)
	// A crash in the middle of an append leaves a partial line.
	f, _ := os.OpenFile(filepath.Join(out, ResultsFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"key":"fixture|conv|half-writ`)
	f.Close()

	cfg.Progress = nil
	done2, skipped, err := Sweep(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if skipped != len(first) || done2 != 4-len(first) {
		t.Fatalf("resume: %d done, %d skipped after %d finished", done2, skipped, len(first))
	}
	all, err := ReadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(out, ResultsFile))
	if lines := strings.Count(string(raw), "\n"); lines != 4 || len(all) != 4 {
		t.Fatalf("%d lines, %d distinct results, want 4", lines, len(all))
	}
	for k, r := range keys(first) {
		if keys(all)[k].RelError != r.RelError {
			t.Fatalf("run %s changed on resume", k)
		}
	}
	for _, r := range all {
		for _, p := range []string{r.PNG, r.Target, r.Original} {
			if _, err := os.Stat(filepath.Join(out, p)); err != nil {
				t.Fatalf("result %s: %v", r.Key, err)
			}
		}
	}
	filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if strings.Contains(filepath.Base(p), ".invrep-tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

// TestShardsMerge: two shards' results merge to the unsharded sweep's.
func TestShardsMerge(t *testing.T) {
	tmp := t.TempDir()
	images := writeImages(t, tmp)
	whole := fixtureConfig(t, filepath.Join(tmp, "whole"), images)
	if _, _, err := Sweep(context.Background(), whole); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for i := 0; i < 2; i++ {
		c := fixtureConfig(t, filepath.Join(tmp, "shard", string(rune('a'+i))), images)
		c.Shard, c.Shards, c.Workers = i, 2, 1
		if _, _, err := Sweep(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, c.Out)
	}
	merged, err := Merge(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Merge(whole.Out)
	if len(merged) != 4 || len(want) != 4 {
		t.Fatalf("merged %d results, unsharded %d", len(merged), len(want))
	}
	wk := keys(want)
	for _, r := range merged {
		w, ok := wk[r.Key]
		if !ok || math.Abs(w.RelError-r.RelError) > 1e-9*math.Max(1, w.RelError) {
			t.Fatalf("shard result %s = %v, unsharded %v", r.Key, r.RelError, w.RelError)
		}
	}
}

// TestReportInChromium renders a report and checks, in headless Chromium,
// that every image on the page loaded.
func TestReportInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required in CI (.ci/run installs it)")
		}
		t.Skip("no chromium")
	}
	tmp := t.TempDir()
	images := writeImages(t, tmp)
	cfg := fixtureConfig(t, filepath.Join(tmp, "sweep"), images)
	cfg.Iters = 6
	if _, _, err := Sweep(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rep := filepath.Join(tmp, "report")
	if _, err := Report([]string{cfg.Out}, rep); err != nil {
		t.Fatal(err)
	}
	page, _ := filepath.Abs(filepath.Join(rep, "index.html"))
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(tmp, "profile"), "--virtual-time-budget=5000", "--dump-dom", "file://"+page)
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`data-images-loaded="(\d+)/(\d+)"`).FindStringSubmatch(string(dom))
	if m == nil {
		t.Fatalf("the page did not report its images:\n%.500s", dom)
	}
	// Three plots (feature error, PSNR, SSIM against depth) and one montage
	// per photo.
	if m[1] != m[2] || m[2] != "5" {
		t.Fatalf("images loaded: %s of %s, want 5 of 5", m[1], m[2])
	}
	for _, name := range []string{"table.md", "table.csv", "error_vs_depth.png"} {
		if _, err := os.Stat(filepath.Join(rep, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSweepIJCVClassified: IJCV runs (one per loss weight) beside the
// CVPR ones in one folder, each original and pre-image classified; the
// report counts the kept top-1 classes per layer and weight.
func TestSweepIJCVClassified(t *testing.T) {
	tmp := t.TempDir()
	images := writeImages(t, tmp)
	out := filepath.Join(tmp, "sweep")
	cfg := fixtureConfig(t, out, images)
	cfg.Layers = cfg.Layers[:1]
	cfg.Layers[0].Stride = 1
	// Class scores: the conv layer's channels averaged over the image.
	scores := invert.RepresentationFunc(func(shape []int) (*graph.Graph, *graph.Node, error) {
		g, conv, err := fixtureRep("conv").Build(shape)
		if err != nil {
			return nil, nil, err
		}
		s, err := graph.Reduce(conv, graph.ReduceMean, []int{2, 3}, false)
		return g, s, err
	})
	cls, err := NewClassifier(scores, []int{1, 3, 64, 64})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Classify = cls
	if _, _, err := Sweep(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	cfg.IJCV, cfg.Cs = true, []float64{1, 100}
	done, _, err := Sweep(context.Background(), cfg)
	if err != nil || done != 4 {
		t.Fatalf("IJCV sweep: %d done, %v", done, err)
	}
	all, err := ReadResults(out)
	if err != nil || len(all) != 6 {
		t.Fatalf("%d results, %v", len(all), err)
	}
	for _, r := range all {
		if r.TopOriginal == nil || r.TopPreimage == nil || (r.C > 0) != (r.Method == "ijcv") {
			t.Fatalf("result %+v", r)
		}
		if r.C > 0 && !strings.Contains(r.PNG, "ijcv-c") {
			t.Errorf("IJCV picture %s", r.PNG)
		}
	}
	errs, err := LayerErrors(all)
	if err != nil || len(errs) != 3 {
		t.Fatalf("%d layer errors, %v", len(errs), err)
	}
	for _, e := range errs {
		if e.Classified != 2 || e.Kept > 2 {
			t.Errorf("%s: kept %d of %d", e.weight(), e.Kept, e.Classified)
		}
	}
	md := TableMarkdown(errs)
	if !strings.Contains(md, "IJCV C 100") || !strings.Contains(md, "top-1 kept") {
		t.Errorf("table:\n%s", md)
	}
	// Two starts per run: both errors kept, their spread reported.
	cfg.Cs, cfg.Repeats = []float64{100}, 2
	if done, _, err := Sweep(context.Background(), cfg); err != nil || done != 2 {
		t.Fatalf("repeats sweep: %d done, %v", done, err)
	}
	all, _ = ReadResults(out)
	var rep []Result
	for _, r := range all {
		if len(r.RelErrors) > 0 {
			rep = append(rep, r)
		}
	}
	if len(all) != 8 || len(rep) != 2 || len(rep[0].RelErrors) != 2 || rep[0].RelErrors[0] != rep[0].RelError {
		t.Fatalf("%d results, %d with repeats: %+v", len(all), len(rep), rep)
	}
	errs, _ = LayerErrors(rep)
	e0, e1 := rep[0].RelErrors, rep[1].RelErrors
	want := (math.Abs(e0[0]-e0[1]) + math.Abs(e1[0]-e1[1])) / math.Sqrt2 / 2
	if len(errs) != 1 || math.Abs(errs[0].Spread-want) > 1e-12 {
		t.Errorf("spread %v, want %g", errs, want)
	}
}

// fixtureLayers is fixtureRep's network as an invert.Layered (both
// layers are built whichever are asked for).
type fixtureLayers struct{}

func (fixtureLayers) BuildLayers(shape []int, front invert.Front, layers []string) (*graph.Graph, map[string]*graph.Node, error) {
	g := graph.New()
	x, err := g.Input("x", shape...)
	if err != nil {
		return nil, nil, err
	}
	if front != nil {
		if x, err = front(x); err != nil {
			return nil, nil, err
		}
	}
	w := graph.NewTensor(4, 3, 3, 3)
	for i := range w.Data {
		w.Data[i] = float32(math.Sin(float64(i))) * 0.1
	}
	c, err := graph.Conv(x, g.Const(w), nil, graph.ConvParams{Pads: [4]int{1, 1, 1, 1}})
	if err != nil {
		return nil, nil, err
	}
	if c, err = graph.Relu(c); err != nil {
		return nil, nil, err
	}
	p, err := graph.MaxPool(c, graph.PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}})
	return g, map[string]*graph.Node{"conv": c, "pool": p}, err
}

// TestSweepVisualize: a visualisation sweep makes one labelled mosaic per
// layer beside the inversions, resumes, and the report shows the mosaics
// apart from the error tables.
func TestSweepVisualize(t *testing.T) {
	tmp := t.TempDir()
	images := writeImages(t, tmp)
	out := filepath.Join(tmp, "sweep")
	cfg := fixtureConfig(t, out, images)
	if _, _, err := Sweep(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Visualize = &SweepVisualization{Rep: fixtureLayers{}, From: 0, To: 3, Steps: 5, LR: 0.05}
	done, _, err := Sweep(context.Background(), cfg)
	if err != nil || done != 2 {
		t.Fatalf("visualisation sweep: %d done, %v", done, err)
	}
	if done, skipped, _ := Sweep(context.Background(), cfg); done != 0 || skipped != 2 {
		t.Errorf("resume: %d done, %d skipped", done, skipped)
	}
	all, _ := ReadResults(out)
	vis := 0
	for _, r := range all {
		if r.Method == "visualize" {
			vis++
			f, err := os.Open(filepath.Join(out, r.PNG))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			// Three 64-pixel images in a row of four slots, a label bar.
			if err != nil || img.Bounds().Dx() != 3*64+2*4 || img.Bounds().Dy() != 18+64 {
				t.Errorf("%s: %v %v", r.PNG, img.Bounds(), err)
			}
		}
	}
	if vis != 2 || len(all) != 6 {
		t.Fatalf("%d results, %d visualisations", len(all), vis)
	}
	rep := filepath.Join(tmp, "report")
	if _, err := Report([]string{out}, rep); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(rep, "index.html"))
	mosaics, _ := filepath.Glob(filepath.Join(rep, "visualize__*.png"))
	if !strings.Contains(string(page), "Feature visualisations") || len(mosaics) != 2 {
		t.Errorf("report: %d mosaics\n%s", len(mosaics), page)
	}
}

// TestSweepSettingsKeptApart: a sweep rerun into the same folder with other
// iterations, then another seed, keeps every run's picture (none
// overwritten), and the report neither averages the settings nor picks one
// run per layer for its montages: a row and a labelled montage per
// setting, and a note that the folder mixes them.
func TestSweepSettingsKeptApart(t *testing.T) {
	tmp := t.TempDir()
	images := writeImages(t, tmp)
	out := filepath.Join(tmp, "sweep")
	for _, s := range []struct {
		iters int
		seed  int64
	}{{6, 1}, {8, 1}, {6, 2}} {
		cfg := fixtureConfig(t, out, images)
		cfg.Iters, cfg.Seed = s.iters, s.seed
		if s.iters == 8 {
			cfg.Layers = cfg.Layers[:1]
		}
		if _, _, err := Sweep(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := ReadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 4+2+4 {
		t.Fatalf("%d results, want 10", len(rs))
	}
	pngs := map[string]string{}
	for _, r := range rs {
		if other, ok := pngs[r.PNG]; ok {
			t.Fatalf("runs %s and %s share the picture %s", other, r.Key, r.PNG)
		}
		pngs[r.PNG] = r.Key
		if _, err := os.Stat(filepath.Join(out, r.PNG)); err != nil {
			t.Fatal(err)
		}
	}
	rep := filepath.Join(tmp, "report")
	notes, err := Report([]string{out}, rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "mix 3 settings") {
		t.Fatalf("notes %q, want one saying the report mixes 3 settings", notes)
	}
	errs, err := LayerErrors(rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 5 {
		t.Fatalf("%d table rows, want 5 (conv and pool for two settings, conv for the third)", len(errs))
	}
	for _, e := range errs {
		if e.Images != 2 {
			t.Fatalf("row %s %s counts %d images for 2 photos", e.Layer, e.weight(), e.Images)
		}
	}
	csvText, _ := os.ReadFile(filepath.Join(rep, "table.csv"))
	if !strings.Contains(string(csvText), ",8,1,1,") || !strings.Contains(string(csvText), ",6,2,1,") {
		t.Errorf("table.csv has no iters, seed and repeats columns:\n%s", csvText)
	}
	for _, f := range []string{"psnr_vs_depth.png", "ssim_vs_depth.png"} {
		if st, err := os.Stat(filepath.Join(rep, f)); err != nil || st.Size() == 0 {
			t.Errorf("the report has no %s: %v", f, err)
		}
	}
	// The image metrics at the end of each row: a PSNR in dB, an SSIM.
	for _, e := range errs {
		if !(e.Image.PSNR > 0 && e.Image.PSNR < MaxPSNR) || !(e.Image.SSIM > -1 && e.Image.SSIM < 1) {
			t.Errorf("row %s %s: PSNR %g, SSIM %g", e.Layer, e.weight(), e.Image.PSNR, e.Image.SSIM)
		}
	}
	montages, _ := filepath.Glob(filepath.Join(rep, "montage__*.png"))
	if len(montages) != 6 { // 2 photos × 3 settings
		t.Fatalf("%d montages, want 6: %v", len(montages), montages)
	}
	page, _ := os.ReadFile(filepath.Join(rep, "index.html"))
	for _, want := range []string{"CVPR, λ 5, 8 iterations, seed 1", "seed 2", "mix 3 settings"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

// TestReportOnePhoto: with one photo the normalised error is undefined; the
// report says so and draws no empty plot.
func TestReportOnePhoto(t *testing.T) {
	tmp := t.TempDir()
	images := writeImages(t, tmp)
	cfg := fixtureConfig(t, filepath.Join(tmp, "sweep"), images[:1])
	cfg.Iters = 4
	if _, _, err := Sweep(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	rep := filepath.Join(tmp, "report")
	notes, err := Report([]string{cfg.Out}, rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "at least two photos") {
		t.Fatalf("notes %q", notes)
	}
	if _, err := os.Stat(filepath.Join(rep, "error_vs_depth.png")); err == nil {
		t.Fatal("an empty error plot was drawn")
	}
}
