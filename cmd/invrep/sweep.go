package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/onnxload"
	"github.com/invrep/invrep/zoo"
)

func runSweep(args []string, out io.Writer) error {
	fs := newFlags("sweep", "--model NAME --layers L1,L2,…|all --images DIR --out DIR [--tv …] [--method ijcv --c 1,100] [--repeats N] [--classify] [--visualize A:B [--param fft] [--decorrelate]] [--iters 400] [--shard I/N] [--workers K]", out)
	mf := addModelsFlags(fs, true)
	var layerLists []string
	fs.StringArrayVar(&layerLists, "layers", nil, "layers to invert (node names or zoo aliases), comma-separated, or all: one list for every model, or one per --model in the same order")
	imagesDir := fs.String("images", "", "folder of PNG and JPEG photos")
	outDir := fs.String("out", "", "sweep folder: results.jsonl, png/, targets/, originals/")
	tvFlag := fs.String("tv", "", "the paper's λ_Vβ values to try, comma-separated (default by depth)")
	iters := fs.Int("iters", 400, "iterations per inversion")
	seed := fs.Int64("seed", 1, "seed of the initial noise")
	shardFlag := fs.String("shard", "0/1", "run every N-th run starting at I (0-based); 'env/N' takes I from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or $SLURM_ARRAY_TASK_ID, 'slurm' takes I and N from the Slurm job array")
	workers := fs.Int("workers", 1, "inversions run at once")
	quiet := fs.Bool("quiet", false, "no progress bar")
	size := fs.String("size", "", "input size N or WxH (default: the model's)")
	method := fs.String("method", "cvpr", "cvpr, or ijcv (the IJCV paper's inversion; --iters then defaults to 350, split 300:50)")
	cFlag := fs.String("c", "100", "with --method ijcv: the loss weights C to try, comma-separated (the paper's 1, 20, 100, 300)")
	repeats := fs.Int("repeats", 1, "starts per run, optimised as one batch (the report gives the spread of their errors)")
	visualize := fs.String("visualize", "", "channels A:B: a feature-visualisation sweep instead, one labelled mosaic of those channels per layer (no --images; --iters then defaults to 512 steps of Adam)")
	vparam := fs.String("param", "pixel", "with --visualize: pixel or fft")
	decorrelate := fs.Bool("decorrelate", false, "with --visualize: decorrelated colours")
	lr := fs.Float64("lr", 0.05, "with --visualize: Adam's learning rate")
	plan := fs.Bool("plan", false, "run nothing: time a few iterations of each (model, layer) and print the runs, core-hours, memory per run and the job-array size and #SBATCH lines for --within")
	within := fs.Duration("within", 0, "with --plan: the wall-clock time the sweep should take, e.g. 2h (sizes the array)")
	cpus := fs.Int("cpus-per-task", 0, "with --plan: the CPUs of one task, the threads the timing uses (default: this machine's)")
	probeIters := fs.Int("probe-iters", 12, "with --plan: the iterations timed per (model, layer)")
	classify := fs.Bool("classify", false, "record the top-1 class of each original and reconstruction (the model's output must be class scores): the report's classification consistency")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *repeats < 1 {
		return usagef("--repeats %d: want at least 1", *repeats)
	}
	ijcv := *method == "ijcv"
	if *method != "cvpr" && !ijcv {
		return usagef("--method %q: want cvpr or ijcv", *method)
	}
	if ijcv && fs.Changed("tv") {
		return usagef("--tv weighs the CVPR prior; give --method ijcv its loss weights with --c")
	}
	if !ijcv && fs.Changed("c") {
		return usagef("--c applies to --method ijcv")
	}
	if ijcv && !fs.Changed("iters") {
		*iters = 350
	}
	cs, err := parseFloats("c", *cFlag)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if !(c > 0) || math.IsInf(c, 0) {
			return usagef("--c %q: loss weights must be positive", *cFlag)
		}
	}
	vis, err := parseSpan("visualize", *visualize)
	if err != nil {
		return err
	}
	if !vis.set && (fs.Changed("param") || fs.Changed("decorrelate") || fs.Changed("lr")) {
		return usagef("--param, --decorrelate and --lr apply to --visualize")
	}
	if vis.set {
		if fs.Changed("images") || fs.Changed("method") || fs.Changed("tv") || fs.Changed("classify") || fs.Changed("repeats") {
			return usagef("--visualize sweeps take no --images, --method, --tv, --classify or --repeats")
		}
		if *vparam != "pixel" && *vparam != "fft" {
			return usagef("--param %q: want pixel or fft", *vparam)
		}
		if !(*lr > 0) {
			return usagef("--lr must be positive")
		}
		if !fs.Changed("iters") {
			*iters = 512
		}
	} else if err := required(fs, "images"); err != nil {
		return err
	}
	if err := required(fs, "model", "layers"); err != nil {
		return err
	}
	if !*plan {
		if err := required(fs, "out"); err != nil {
			return err
		}
		if fs.Changed("within") || fs.Changed("cpus-per-task") || fs.Changed("probe-iters") {
			return usagef("--within, --cpus-per-task and --probe-iters apply to --plan")
		}
	}
	if *within < 0 {
		return usagef("--within %s: want a positive time, e.g. 2h", *within)
	}
	if *cpus < 0 || *cpus > 4096 {
		return usagef("--cpus-per-task %d: want 1 to 4096", *cpus)
	}
	if *probeIters < 3 || *probeIters > 1000 {
		return usagef("--probe-iters %d: want 3 to 1000 (the schedule has three stages)", *probeIters)
	}
	if *iters <= 0 {
		return usagef("--iters %d: want a positive number of iterations", *iters)
	}
	// The schedule's own check too, before the model is read (a
	// visualisation sweep takes Adam steps, not the schedule's stages).
	if !vis.set {
		if _, err := invert.CNNSchedule.Scaled(*iters); err != nil {
			return usagef("--iters %d: %v", *iters, err)
		}
	}
	if *workers <= 0 {
		return usagef("--workers %d: want at least 1", *workers)
	}
	shard, shards, err := parseShard(*shardFlag, os.Getenv)
	if err != nil {
		return err
	}
	var tvs []float64
	if *tvFlag != "" {
		if tvs, err = parseFloats("tv", *tvFlag); err != nil {
			return err
		}
		seen := map[float64]bool{}
		var distinct []float64
		for _, t := range tvs {
			if t < 0 || math.IsNaN(t) || math.IsInf(t, 0) {
				return usagef("--tv %q: values must be finite and not negative", *tvFlag)
			}
			if !seen[t] { // --tv 5,5 is one run per layer and image
				seen[t] = true
				distinct = append(distinct, t)
			}
		}
		tvs = distinct
	}
	seenModel := map[string]bool{}
	for _, m := range mf.models {
		if seenModel[m] {
			return usagef("--model %s is given twice", m)
		}
		seenModel[m] = true
	}
	if len(layerLists) > 1 && len(layerLists) != len(mf.models) {
		return usagef("%d --layers lists for %d models: give one for all, or one per --model in the same order", len(layerLists), len(mf.models))
	}
	var images []string
	if !vis.set {
		if images, err = zoo.Photos(*imagesDir); err != nil {
			return fmt.Errorf("--images: %w", err)
		}
		if len(images) == 0 {
			return fmt.Errorf("--images %s: no PNG or JPEG photos", *imagesDir)
		}
	}
	// One configuration per model, sharded as one sweep: run i of all
	// the models' runs in order belongs to shard i mod N.
	var cfgs []zoo.SweepConfig
	offset := 0
	for k, model := range mf.models {
		list := layerLists[0]
		if len(layerLists) > 1 {
			list = layerLists[k]
		}
		cfg, err := sweepConfig(mf.forModel(model), list, *size, vis, *visualize, *classify)
		if err != nil {
			if len(mf.models) > 1 {
				return fmt.Errorf("--model %s: %w", model, err)
			}
			return err
		}
		cfg.Images, cfg.TVs, cfg.Iters, cfg.Seed = images, tvs, *iters, *seed
		cfg.Out, cfg.Shard, cfg.Shards, cfg.Offset, cfg.Workers = *outDir, shard, shards, offset, *workers
		cfg.IJCV, cfg.Cs, cfg.Repeats = ijcv, cs, *repeats
		if cfg.Visualize != nil {
			cfg.Visualize.Steps, cfg.Visualize.LR = *iters, *lr
			cfg.Visualize.FFT, cfg.Visualize.Decorrelate = *vparam == "fft", *decorrelate
		}
		offset += len(cfg.AllRuns())
		cfgs = append(cfgs, cfg)
	}
	if *plan {
		return printPlan(out, cfgs, planSettings{within: *within, cpus: *cpus, probe: *probeIters, shards: shards})
	}
	ctx, stop := signalContext()
	defer stop()
	for _, cfg := range cfgs {
		total := len(cfg.Runs())
		bar := progressBar(out, *quiet, total, "sweep "+cfg.Model)
		cfg.Progress = func(done, _ int) {
			if bar != nil {
				bar.Set(done)
			}
		}
		done, skipped, err := zoo.Sweep(ctx, cfg)
		if bar != nil {
			bar.Finish()
		}
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted: %d runs finished now, %d were already done, %d left; run the same command again to resume (nothing half-written was kept)", done, skipped, total-done-skipped)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d runs done, %d already done (shard %d/%d), results in %s\n", cfg.Model, done, skipped, shard, shards, *outDir)
	}
	return nil
}

// sweepConfig opens one model of a sweep and resolves its layers: the
// configuration's model part (name, layers, size, normalisation,
// representations, classifier).
func sweepConfig(mf *modelFlags, layersFlag, size string, vis span, visualize string, classify bool) (zoo.SweepConfig, error) {
	var cfg zoo.SweepConfig
	m, norm, w, h, err := mf.openImageModel(size)
	if err != nil {
		return cfg, err
	}
	layers, err := sweepLayers(m, []int{1, 3, h, w}, mf, layersFlag)
	if err != nil {
		return cfg, err
	}
	if vis.set { // the span against each layer's width, before any batch is made
		var names []string
		for _, l := range layers {
			names = append(names, l.Name)
		}
		net, err := mf.build(m, []int{1, 3, h, w}, names, nil)
		if err != nil {
			return cfg, err
		}
		for _, l := range layers {
			if s := net.Outputs[l.Name].Shape(); len(s) < 2 || vis.b > s[1] {
				return cfg, usagef("--visualize %s: layer %s has shape %v, %d channels", visualize, l.Name, s, s[min(1, len(s)-1)])
			}
		}
	}
	name := mf.model
	if mf.randomSeed >= 0 {
		name = fmt.Sprintf("%s+random%d", name, mf.randomSeed)
	}
	if mf.dequantize {
		// The float twin is another model: its runs keep their own files.
		name += "+dequantized"
	}
	cfg = zoo.SweepConfig{
		Model: name, Layers: layers, Size: [2]int{w, h}, Norm: norm,
		Rep: func(layer string) invert.Representation {
			return mf.truncated(m, layer, &norm)
		},
	}
	if vis.set {
		cfg.Visualize = &zoo.SweepVisualization{Rep: mf.truncated(m, "", &norm), From: vis.a, To: vis.b}
	}
	if classify {
		if len(m.Outputs) == 0 {
			return cfg, fmt.Errorf("--classify: model %s declares no output", mf.model)
		}
		if cfg.Classify, err = zoo.NewClassifier(mf.truncated(m, m.Outputs[0], &norm), []int{1, 3, h, w}); err != nil {
			return cfg, fmt.Errorf("--classify: %w", err)
		}
	}
	return cfg, nil
}

// sweepLayers resolves --layers to nodes with their depth (from the node
// list: only the asked layers are built, by the sweep itself).
func sweepLayers(m *onnxload.Model, shape []int, mf *modelFlags, spec string) ([]zoo.SweepLayer, error) {
	var names []string
	if spec == "all" {
		names = m.Computed()
	} else {
		for _, n := range strings.Split(spec, ",") {
			name, err := m.Resolve(mf.layer(strings.TrimSpace(n)))
			if err != nil {
				return nil, fmt.Errorf("--layers: %w", err)
			}
			names = append(names, name)
		}
	}
	rfs, err := m.ReceptiveFields()
	if err != nil {
		return nil, err
	}
	var out []zoo.SweepLayer
	for _, n := range names {
		i, of, ok := m.Position(n)
		if !ok {
			if _, err := mf.build(m, shape, []string{n}, nil); err != nil {
				return nil, fmt.Errorf("--layers: %w", err)
			}
			return nil, fmt.Errorf("--layers: %s does not lead to the model's outputs", n)
		}
		out = append(out, zoo.SweepLayer{Name: n, Index: i, Depth: float64(i) / float64(of), Stride: max(rfs[n].Stride, 1)})
	}
	return out, nil
}

func runReport(args []string, out io.Writer) error {
	fs := newFlags("report", "--in DIR[,DIR…] --out DIR", out)
	in := fs.String("in", "", "sweep folders (or shards of one), comma-separated")
	outDir := fs.String("out", "", "report folder: table.md, table.csv, error_vs_depth.png, montages, index.html")
	complete := fs.Bool("complete", false, "fail (exit 1, after writing the report) when a run the sweeps planned has no result")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "in", "out"); err != nil {
		return err
	}
	var dirs []string
	for _, d := range strings.Split(*in, ",") {
		if _, err := os.Stat(d); err != nil {
			return fmt.Errorf("--in %s: %w", d, err)
		}
		dirs = append(dirs, d)
	}
	notes, err := zoo.Report(dirs, *outDir)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintf(out, "note: %s\n", n)
	}
	fmt.Fprintf(out, "report in %s (open index.html)\n", *outDir)
	if *complete {
		unfinished, err := zoo.Unfinished(dirs...)
		if err != nil {
			return err
		}
		n := 0
		for _, d := range dirs {
			if k := len(unfinished[d]); k > 0 {
				fmt.Fprintf(out, "unfinished: %s: %d runs\n", d, k)
				n += k
			}
		}
		if n > 0 {
			return fmt.Errorf("--complete: %d planned runs have no result (%s)", n, filepath.Join(*outDir, "unfinished.txt"))
		}
	}
	return nil
}
