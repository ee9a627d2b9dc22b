package zoo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/atomicfile"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
)

// SweepLayer is one layer of a sweep, with its depth in the model.
type SweepLayer struct {
	Name  string  // ONNX node output
	Index int     // position among the model's computed nodes, from 1
	Depth float64 // Index / number of computed nodes
	// Stride is the distance in pixels between the layer's receptive
	// fields: the IJCV method's jitter comes from it.
	Stride int
}

// SweepConfig describes a sweep: every (layer, image, λ) inversion.
type SweepConfig struct {
	Model  string // name recorded in the results
	Layers []SweepLayer
	Images []string
	// TVs are the paper's λ_Vβ values to try; empty means the default by
	// depth (invert.DefaultTV).
	TVs   []float64
	Iters int
	Seed  int64
	// Size is the model's input width and height; Norm its normalisation.
	Size [2]int
	Norm graph.Normalization
	// Rep builds the representation of one layer.
	Rep func(layer string) invert.Representation
	// IJCV runs the IJCV paper's inversion (invert.IJCV, two stages of
	// Iters in the code's 6:1 proportion) for each loss weight of Cs
	// (default 100) instead of the CVPR method over TVs.
	IJCV bool
	Cs   []float64
	// Repeats optimises that many starts per run as one batch (default
	// 1): the report gives the spread of their errors.
	Repeats int
	// Visualize, when set, makes it a feature-visualisation sweep: per
	// layer one run that visualises a range of channels, one image each,
	// shown as a labelled mosaic; Images, TVs and the inversion settings
	// are not used.
	Visualize *SweepVisualization
	// Classify, when set, records the top-1 class of each original and
	// pre-image (classification consistency, SPEC §5.5).
	Classify *Classifier
	// Out is the sweep's folder.
	Out string
	// Shard takes every Shards-th run starting at Shard (0-based).
	Shard, Shards int
	// Offset is the position of this configuration's first run in a
	// sweep of several configurations (one per model) sharded as one: the
	// shard of run i is (Offset+i) mod Shards.
	Offset  int
	Workers int
	// Progress is called after every finished or skipped run.
	Progress func(done, total int)
}

// SweepVisualization is what a visualisation sweep draws: channels
// [From, To) of each layer, Steps of Adam at LR, Lucid's standard
// transforms, pixels or the spectrum, colours optionally decorrelated.
type SweepVisualization struct {
	Rep              invert.Layered
	From, To         int
	Steps            int
	LR               float64
	FFT, Decorrelate bool
}

func (v SweepVisualization) tag() string {
	t := fmt.Sprintf("visualize|ch=%d:%d|steps=%d|lr=%g", v.From, v.To, v.Steps, v.LR)
	if v.FFT {
		t += "|fft"
	}
	if v.Decorrelate {
		t += "|decorrelate"
	}
	return t
}

// Run identifies one inversion of a sweep.
type Run struct {
	Layer SweepLayer
	Image string
	TV    float64
	// C is the IJCV loss weight of an IJCV run (0: a CVPR run).
	C float64
	// Repeats is the number of starts optimised together (0 or 1: one).
	Repeats int
	// Visualize is the visualisation's tag for a visualisation run.
	Visualize string
}

// Key identifies a run across sweeps and shards.
func (r Run) Key(model string, iters int, seed int64) string {
	if r.Visualize != "" {
		return fmt.Sprintf("%s|%s|%s|seed=%d", model, r.Layer.Name, r.Visualize, seed)
	}
	k := fmt.Sprintf("%s|%s|%s|tv=%g|iters=%d|seed=%d", model, r.Layer.Name, imageKey(r.Image), r.TV, iters, seed)
	if r.C > 0 {
		k += fmt.Sprintf("|ijcv|c=%g", r.C)
	}
	if r.Repeats > 1 {
		k += fmt.Sprintf("|repeats=%d", r.Repeats)
	}
	return k
}

// Result is one line of results.jsonl.
type Result struct {
	Key        string  `json:"key"`
	Model      string  `json:"model"`
	Layer      string  `json:"layer"`
	LayerIndex int     `json:"layer_index"`
	Depth      float64 `json:"relative_depth"`
	Image      string  `json:"image"`
	TV         float64 `json:"tv"`
	Iters      int     `json:"iters"`
	Seed       int64   `json:"seed"`
	// Repeats is the number of starts optimised together (absent: one).
	Repeats int `json:"repeats,omitempty"`
	// Method is "ijcv" for an IJCV run (with its loss weight C),
	// "visualize" for a visualisation (PNG its mosaic; no errors, target or
	// original), empty for the CVPR method.
	Method string  `json:"method,omitempty"`
	C      float64 `json:"c,omitempty"`
	// TopOriginal and TopPreimage are the top-1 classes of the original
	// and of the reconstruction, where the sweep classified them.
	TopOriginal *int `json:"top_original,omitempty"`
	TopPreimage *int `json:"top_preimage,omitempty"`
	// RelErrors are every repeat's relative errors, for runs of several
	// (RelError and SqError are the first's).
	RelErrors []float64 `json:"rel_errors,omitempty"`
	// RelError is ‖Φ(x*) − Φ0‖²/‖Φ0‖²; SqError its numerator.
	RelError  float64 `json:"rel_error"`
	SqError   float64 `json:"sq_error"`
	Seconds   float64 `json:"seconds"`
	MsPerIter float64 `json:"ms_per_iter"`
	// PNG, Target (Φ0 as .npy) and Original are relative to the sweep folder.
	PNG      string `json:"png"`
	Target   string `json:"target"`
	Original string `json:"original"`
	Shard    string `json:"shard"`
	// Fidelity is the run's image-space metrics against its original
	// (absent in results written before they were measured).
	Fidelity *Fidelity `json:"fidelity,omitempty"`
	// Dir is the sweep folder a result was read from (not stored).
	Dir string `json:"-"`
}

// imageKey names a photo in keys and files: its whole file name, so that
// x.jpg and x.png stay two images.
func imageKey(path string) string { return filepath.Base(path) }

// Runs lists the sweep's runs in a fixed order (layers, images, λ), this
// shard's only.
func (c SweepConfig) Runs() []Run {
	shards := max(c.Shards, 1)
	var mine []Run
	for i, r := range c.AllRuns() {
		if (c.Offset+i)%shards == c.Shard {
			mine = append(mine, r)
		}
	}
	return mine
}

// AllRuns lists every run of the sweep, of all shards, in Runs' order.
func (c SweepConfig) AllRuns() []Run {
	var all []Run
	for _, l := range c.Layers {
		if c.Visualize != nil {
			all = append(all, Run{Layer: l, Visualize: c.Visualize.tag()})
			continue
		}
		tvs := c.TVs
		if len(tvs) == 0 {
			tvs = []float64{invert.DefaultTV(l.Depth)}
		}
		if c.IJCV {
			tvs = c.Cs
			if len(tvs) == 0 {
				tvs = []float64{100}
			}
		}
		for _, im := range c.Images {
			for _, w := range tvs {
				r := Run{Layer: l, Image: im, TV: w, Repeats: c.Repeats}
				if c.IJCV {
					r = Run{Layer: l, Image: im, C: w, Repeats: c.Repeats}
				}
				all = append(all, r)
			}
		}
	}
	return all
}

// ResultsFile is the name of a sweep's results.
const ResultsFile = "results.jsonl"

// PlannedFile lists, one key a line, every run a sweep into the folder
// set out to make (this shard's): what a merge of shards compares its
// results with to say which runs never finished (a task that was
// preempted and not requeued, or failed).
const PlannedFile = "planned.txt"

// recordPlanned adds this shard's runs to the folder's planned runs
// (kept as a union: a folder rerun with other settings plans both).
func (c SweepConfig) recordPlanned() error {
	path := filepath.Join(c.Out, PlannedFile)
	planned, err := readPlanned(c.Out)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, k := range planned {
		seen[k] = true
	}
	n := len(planned)
	for _, r := range c.Runs() {
		if k := r.Key(c.Model, c.Iters, c.Seed); !seen[k] {
			seen[k] = true
			planned = append(planned, k)
		}
	}
	if len(planned) == n && n > 0 {
		return nil
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, strings.Join(planned, "\n")+"\n")
		return err
	})
}

// readPlanned reads a folder's planned runs (none: an empty list).
func readPlanned(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlannedFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range strings.Split(string(b), "\n") {
		if k != "" {
			out = append(out, k)
		}
	}
	return out, nil
}

// Unfinished lists the runs the folders' sweeps planned that have no
// result in any of them, by folder.
func Unfinished(dirs ...string) (map[string][]string, error) {
	done := map[string]bool{}
	for _, d := range dirs {
		rs, err := ReadResults(d)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			done[r.Key] = true
		}
	}
	out := map[string][]string{}
	for _, d := range dirs {
		planned, err := readPlanned(d)
		if err != nil {
			return nil, err
		}
		for _, k := range planned {
			if !done[k] {
				out[d] = append(out[d], k)
			}
		}
	}
	return out, nil
}

// Sweep runs every run of the configuration not already in the folder's
// results.jsonl, Workers at a time. Each finished run writes its PNG and
// target atomically, then appends one line to results.jsonl, so an
// interrupted sweep loses only the runs in flight. It returns the number of
// runs done now and skipped as already done.
func Sweep(ctx context.Context, c SweepConfig) (done, skipped int, err error) {
	if c.Iters <= 0 || c.Workers <= 0 || c.Shards < 0 || c.Shard < 0 || c.Offset < 0 || (c.Shards > 0 && c.Shard >= c.Shards) {
		return 0, 0, fmt.Errorf("bad sweep settings: iters %d, workers %d, shard %d/%d", c.Iters, c.Workers, c.Shard, c.Shards)
	}
	for _, d := range []string{"png", "targets", "originals"} {
		if err := os.MkdirAll(filepath.Join(c.Out, d), 0o755); err != nil {
			return 0, 0, err
		}
	}
	unlock, err := lockDir(c.Out)
	if err != nil {
		return 0, 0, err
	}
	defer unlock()
	results := filepath.Join(c.Out, ResultsFile)
	if err := repairTail(results); err != nil {
		return 0, 0, err
	}
	have, err := ReadResults(c.Out)
	if err != nil {
		return 0, 0, err
	}
	finished := map[string]bool{}
	for _, r := range have {
		finished[r.Key] = true
	}
	if err := c.recordPlanned(); err != nil {
		return 0, 0, err
	}
	var sched invert.Schedule // a visualisation sweep takes Adam steps instead
	if c.Visualize == nil {
		if sched, err = invert.CNNSchedule.Scaled(c.Iters); err != nil {
			return 0, 0, err
		}
	}
	f, err := os.OpenFile(results, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()

	runs := c.Runs()
	var (
		mu       sync.Mutex
		errs     []error
		progress int
	)
	report := func() {
		progress++
		if c.Progress != nil {
			c.Progress(progress, len(runs))
		}
	}
	jobs := make(chan Run)
	var wg sync.WaitGroup
	for w := 0; w < c.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				res, err := c.run(ctx, r, sched)
				mu.Lock()
				if err == nil {
					line, _ := json.Marshal(res)
					_, err = f.Write(append(line, '\n'))
					if err == nil {
						err = f.Sync()
					}
				}
				if err == nil {
					done++
					report()
				} else if ctx.Err() == nil {
					errs = append(errs, fmt.Errorf("%s on %s: %w", r.Layer.Name, imageKey(r.Image), err))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, r := range runs {
		if finished[r.Key(c.Model, c.Iters, c.Seed)] {
			mu.Lock()
			skipped++
			report()
			mu.Unlock()
			continue
		}
		select {
		case jobs <- r:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return done, skipped, err
	}
	return done, skipped, errors.Join(errs...)
}

// run inverts one (layer, image, λ) and writes its files.
func (c SweepConfig) run(ctx context.Context, r Run, sched invert.Schedule) (*Result, error) {
	if r.Visualize != "" {
		return c.visualize(ctx, r)
	}
	t0 := time.Now()
	im, err := pixels.Load(r.Image)
	if err != nil {
		return nil, err
	}
	res, err := c.job(r, im, sched, c.Iters).Run(ctx)
	if err != nil {
		return nil, err
	}
	var tops [2]*int
	if c.Classify != nil {
		for i, x := range []*graph.Tensor{res.Original, res.Images} {
			k, err := c.Classify.Top1(x)
			if err != nil {
				return nil, fmt.Errorf("classifying: %w", err)
			}
			tops[i] = &k
		}
	}
	key := imageKey(r.Image)
	layerDir := filepath.Join(safeName(c.Model), safeName(r.Layer.Name))
	out := &Result{
		Key: r.Key(c.Model, c.Iters, c.Seed), Model: c.Model, Layer: r.Layer.Name, LayerIndex: r.Layer.Index, Depth: r.Layer.Depth,
		Image: key, TV: r.TV, Iters: c.Iters, Seed: c.Seed, RelError: res.RelErr[0], SqError: res.SquaredError(),
		C: r.C, TopOriginal: tops[0], TopPreimage: tops[1], Method: map[bool]string{true: "ijcv"}[r.C > 0],
		MsPerIter: res.MsPerIter,
		PNG:       filepath.ToSlash(filepath.Join("png", layerDir, fmt.Sprintf("%s__%s.png", pngStem(key), r.fileTag(c.Iters, c.Seed)))),
		Target:    filepath.ToSlash(filepath.Join("targets", layerDir, safeName(key)+".npy")),
		Original:  filepath.ToSlash(filepath.Join("originals", safeName(c.Model), pngStem(key)+".png")),
		Shard:     fmt.Sprintf("%d/%d", c.Shard, max(c.Shards, 1)),
	}
	if r.Repeats > 1 {
		out.Repeats = r.Repeats
	}
	if out.Fidelity, err = res.Fidelity(); err != nil {
		return nil, err
	}
	for _, d := range []string{filepath.Join("png", layerDir), filepath.Join("targets", layerDir), filepath.Join("originals", safeName(c.Model))} {
		if err := os.MkdirAll(filepath.Join(c.Out, d), 0o755); err != nil {
			return nil, err
		}
	}
	tiles, err := res.Tiles(true)
	if err != nil {
		return nil, err
	}
	orig, rec := tiles[0], tiles[1]
	if len(res.RelErr) > 1 {
		rec, out.RelErrors = pixels.Row(tiles[1:], nil), res.RelErr
	}
	for _, w := range []struct {
		path string
		img  image.Image
	}{{out.PNG, rec}, {out.Original, orig}} {
		if err := pixels.SavePNG(filepath.Join(c.Out, w.path), w.img); err != nil {
			return nil, err
		}
	}
	if err := npy.Save(filepath.Join(c.Out, out.Target), res.Target); err != nil {
		return nil, err
	}
	out.Seconds = time.Since(t0).Seconds()
	return out, nil
}

// job is the inversion of run r on photo im, with the schedule (CVPR) or
// the number of iterations (IJCV) given: the sweep's own, or a few for a
// plan's timing.
func (c SweepConfig) job(r Run, im *pixels.RGB, sched invert.Schedule, iters int) Job {
	job := Job{Rep: c.Rep(r.Layer.Name), Photo: im, Input: Input{W: c.Size[0], H: c.Size[1], Norm: c.Norm},
		Options: invert.Options{Schedule: sched, TV: r.TV, Seed: c.Seed, Repeats: max(r.Repeats, 1)}}
	if r.C > 0 {
		job.Method = invert.IJCV{C: r.C, Beta: 2, Jitter: invert.JitterFromStride(r.Layer.Stride), Iters: invert.IJCVStages(iters)}
	}
	return job
}

// visualizeJob is the visualisation of run r in steps of Adam.
func (c SweepConfig) visualizeJob(r Run, steps int) (VisualizeJob, []string) {
	v := c.Visualize
	var cs []int
	var labels []string
	for ch := v.From; ch < v.To; ch++ {
		cs, labels = append(cs, ch), append(labels, strconv.Itoa(ch))
	}
	in := Input{W: c.Size[0], H: c.Size[1], Norm: c.Norm}
	return VisualizeJob{Rep: v.Rep, Objective: invert.Scale(1, invert.Channels{Layer: r.Layer.Name, Cs: cs}), Input: in,
		Decorrelate: v.Decorrelate, FFT: v.FFT, Augment: invert.Standard(in.H, in.W), Batch: len(cs), Steps: steps, LR: v.LR,
		Options: invert.Options{Seed: c.Seed}}, labels
}

// visualize draws one layer's channels and writes the mosaic.
func (c SweepConfig) visualize(ctx context.Context, r Run) (*Result, error) {
	t0 := time.Now()
	v := c.Visualize
	job, labels := c.visualizeJob(r, v.Steps)
	res, err := job.Run(ctx)
	if err != nil {
		return nil, err
	}
	mosaic, err := res.Labelled(labels, 4)
	if err != nil {
		return nil, err
	}
	layerDir := filepath.Join(safeName(c.Model), safeName(r.Layer.Name))
	out := &Result{Key: r.Key(c.Model, c.Iters, c.Seed), Model: c.Model, Layer: r.Layer.Name, LayerIndex: r.Layer.Index,
		Depth: r.Layer.Depth, Iters: v.Steps, Seed: c.Seed, Method: "visualize", MsPerIter: res.MsPerIter,
		PNG:   filepath.ToSlash(filepath.Join("png", layerDir, safeName(v.fileTag(c.Seed))+".png")),
		Shard: fmt.Sprintf("%d/%d", c.Shard, max(c.Shards, 1))}
	if err := os.MkdirAll(filepath.Join(c.Out, "png", layerDir), 0o755); err != nil {
		return nil, err
	}
	if err := pixels.SavePNG(filepath.Join(c.Out, out.PNG), mosaic); err != nil {
		return nil, err
	}
	out.Seconds = time.Since(t0).Seconds()
	return out, nil
}

// fileTag names, in a file name, every setting of a run that changes its
// result besides the model, layer and photo (which name its folders and
// the file's stem): the weight (tv5, or ijcv-c100), the iterations, the
// seed and the starts. Two runs that differ in any of them never share a
// file, so a sweep rerun with other settings into one folder keeps both.
func (r Run) fileTag(iters int, seed int64) string {
	t := fmt.Sprintf("tv%g", r.TV)
	if r.C > 0 {
		t = fmt.Sprintf("ijcv-c%g", r.C)
	}
	t += fmt.Sprintf("__it%d__seed%d", iters, seed)
	if r.Repeats > 1 {
		t += fmt.Sprintf("__x%d", r.Repeats)
	}
	return t
}

// fileTag is the visualisation's file name: its channels and every
// setting of its tag, with the seed.
func (v SweepVisualization) fileTag(seed int64) string {
	t := fmt.Sprintf("visualize__ch%d-%d__steps%d__lr%g__seed%d", v.From, v.To, v.Steps, v.LR, seed)
	if v.FFT {
		t += "__fft"
	}
	if v.Decorrelate {
		t += "__decorrelate"
	}
	return t
}

// safeName turns a layer, model or photo name into one path element,
// injectively (percent-escaping the characters a path would take apart,
// % itself first) and inside its folder (a leading dot, which would make
// "." and ".." or hidden files, is escaped too).
func safeName(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '%' || r == '/' || r == '\\' || r == ':' || r < 0x20 || (i == 0 && r == '.'):
			fmt.Fprintf(&b, "%%%02X", r)
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "%"
	}
	return b.String()
}

// pngStem is the stem of a PNG file made from a photo: a .png photo's own
// stem (chelsea.png gives chelsea.png, not chelsea.png.png), any other's
// whole name with its last dot escaped (x.jpg gives x%2Ejpg.png), so that
// x.png and x.jpg keep two files and the map stays injective.
func pngStem(name string) string {
	if stem, ok := strings.CutSuffix(name, ".png"); ok && stem != "" {
		return safeName(stem)
	}
	s := safeName(name)
	if i := strings.LastIndexByte(s, '.'); i > 0 {
		return s[:i] + "%2E" + s[i+1:]
	}
	// No extension: a trailing lone %, which no escape ends with.
	return s + "%"
}

// repairTail drops a partial last line left by a crash mid-append.
func repairTail(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || len(b) == 0 || b[len(b)-1] == '\n' {
		return nil
	}
	if err != nil {
		return err
	}
	keep := b[:bytes.LastIndexByte(b, '\n')+1]
	return atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(keep); return err })
}

// ReadResults reads a sweep folder's results.jsonl (none yet is not an
// error). Malformed lines are reported; a run that appears twice keeps its
// first line.
func ReadResults(dir string) ([]Result, error) {
	f, err := os.Open(filepath.Join(dir, ResultsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Result
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", filepath.Join(dir, ResultsFile), line, err)
		}
		if seen[r.Key] {
			continue
		}
		seen[r.Key] = true
		r.Dir = dir
		out = append(out, r)
	}
	return out, sc.Err()
}

// Merge concatenates the results of several sweep folders (shards of one
// sweep, or sweeps of several models) without duplicates, sorted by model,
// depth, image and λ.
func Merge(dirs ...string) ([]Result, error) {
	var all []Result
	seen := map[string]bool{}
	for _, d := range dirs {
		rs, err := ReadResults(d)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if !seen[r.Key] {
				seen[r.Key] = true
				all = append(all, r)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Model != b.Model {
			return a.Model < b.Model
		}
		if a.LayerIndex != b.LayerIndex {
			return a.LayerIndex < b.LayerIndex
		}
		if a.Image != b.Image {
			return a.Image < b.Image
		}
		return a.TV < b.TV
	})
	return all, nil
}
