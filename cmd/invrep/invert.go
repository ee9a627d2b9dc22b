package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/atomicfile"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/onnxload"
	"github.com/invrep/invrep/zoo"
)

// invertFlags are the settings shared by every inversion command.
type invertFlags struct {
	iters      int
	tv, tvCode float64
	repeats    int
	// repeatsFlag names the flag that sets repeats (visualize's --batch).
	repeatsFlag string
	seed        int64
	quiet       bool
	noGuard     bool
	profile     bool
	cpuProfile  string
	memProfile  string
	report      string
	out         string
	withOrig    bool
}

func runInvert(args []string, out io.Writer) error {
	fs := newFlags("invert", "--model M.onnx --layer NAME --image IMG --out OUT.png [--iters 400] [--tv 5] [--repeats 1] [--seed 1] [--neigh K] [--channels A:B] [--tokens A:B] [--mask M.npy] [--report R.json]\n       invrep invert --rep hog|hogb|dsift [--image IMG] --out OUT.png [--iters 800] [--tv 0.5] [--cell 8]", out)
	var f invertFlags
	mf := addModelFlags(fs, true)
	repName := fs.String("rep", "", "invert a handcrafted representation instead: hog, hogb or dsift (grey, full resolution; default image: the built-in sample)")
	cell := fs.Int("cell", 0, "with --rep: HOG cell size or DSIFT bin size in pixels (default 8 for HOG, 5 for DSIFT)")
	layer := fs.String("layer", "", "node whose output is inverted")
	imagePath := fs.String("image", "", "PNG or JPEG photo whose representation is inverted")
	fs.StringVar(&f.out, "out", "", "output PNG: the reconstructions side by side, mean added back, clipped to 0..255")
	fs.IntVar(&f.iters, "iters", 400, "iterations; CNNs: 100/200/100 at 0.004/0.0004/0.00004 in these proportions; --rep: 800, four equal stages from 0.004 down")
	fs.Float64Var(&f.tv, "tv", 0, "the paper's λ_Vβ (0.5, 5, 50, ...); CNNs default by depth: 0.5 in the first third of the layers, 5 in the middle, 50 in the last; --rep default 0.5, the authors' code's Table 1 setting")
	fs.Float64Var(&f.tvCode, "tv-code", 0, "the same weight in the authors' code units (λTV = 2·λ_Vβ: 1, 10, 100)")
	fs.IntVar(&f.repeats, "repeats", 1, "reconstructions from different random starts, optimised as one batch")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the initial noise")
	neigh := fs.Int("neigh", 0, "match only a central K×K window of the feature map (of the patch grid, on a transformer's tokens)")
	channels := fs.String("channels", "", "match only channels A:B (0-based, B excluded), e.g. 0:48 for the first half of 96; on tokens [N,T,D], of D")
	tokens := fs.String("tokens", "", "on a transformer's token layer [N,T,D], match only tokens A:B (0 is the class token where there is one)")
	maskPath := fs.String("mask", "", "match only where this .npy mask (shaped like the layer) is non-zero")
	fs.StringVar(&f.report, "report", "", "write settings, the loss history and the final errors to this JSON file")
	fs.BoolVar(&f.withOrig, "with-original", false, "put the original (resized) image first in OUT.png")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	fs.BoolVar(&f.noGuard, "no-safeguard", false, "run the authors' fixed steps even if they diverge")
	fs.BoolVar(&f.profile, "profile", false, "print the time per iteration spent in each kind of op (forward, and d… for its gradient)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the optimisation to this file (for go tool pprof)")
	fs.StringVar(&f.memProfile, "memprofile", "", "write a Go heap profile, taken as the optimisation ends, to this file (for go tool pprof)")
	size := fs.String("size", "", "input size N or WxH (default: the model's)")
	method := fs.String("method", "cvpr", "cvpr (Mahendran & Vedaldi 2015) or ijcv (2016: jitter, bounded range, AdaGrad with momentum, 300 + 50 iterations)")
	c := fs.Float64("c", 100, "with --method ijcv: the loss weight C (the paper's 1, 20, 100, 300)")
	beta := fs.Float64("beta", 2, "with --method ijcv: the TV exponent β (1, 1.5, 2)")
	jitter := fs.Int("jitter", 0, "with --method ijcv: jitter positions J per axis (default max(round(stride/4), 1) from the layer's receptive field; 1: none)")
	if err := parse(fs, args); err != nil {
		return err
	}
	ijcv := *method == "ijcv"
	if *method != "cvpr" && !ijcv {
		return usagef("--method %q: want cvpr or ijcv", *method)
	}
	if !ijcv && (fs.Changed("c") || fs.Changed("beta") || fs.Changed("jitter")) {
		return usagef("--c, --beta and --jitter apply to --method ijcv")
	}
	if ijcv {
		if *repName != "" {
			return usagef("--method ijcv inverts model layers; --rep uses the CVPR method")
		}
		if fs.Changed("tv") || fs.Changed("tv-code") {
			return usagef("--tv is the CVPR prior's weight; --method ijcv weighs its priors by B = 80 (give the loss weight with --c)")
		}
		if !(*c > 0) || math.IsInf(*c, 0) || !(*beta > 0) || math.IsInf(*beta, 0) || *jitter < 0 {
			return usagef("--c and --beta must be positive numbers and --jitter not negative")
		}
		if !fs.Changed("iters") {
			f.iters = 350
		}
		if f.iters < 2 {
			return usagef("--iters %d: --method ijcv runs two stages, at least one iteration each", f.iters)
		}
	}
	if *repName != "" {
		if fs.Changed("model") || fs.Changed("layer") {
			return usagef("--rep takes no --model or --layer")
		}
		if fs.Changed("neigh") || fs.Changed("channels") || fs.Changed("tokens") || fs.Changed("mask") || fs.Changed("size") {
			return usagef("--neigh, --channels, --tokens, --mask and --size apply to model layers, not to --rep")
		}
		if err := required(fs, "out"); err != nil {
			return err
		}
		if !fs.Changed("iters") {
			f.iters = invert.ShallowSchedule.Iters()
		}
		if err := f.check(fs.Changed("tv"), fs.Changed("tv-code"), [2]string{"image", *imagePath}); err != nil {
			return err
		}
		rep, err := handcraftedRep(*repName, *cell)
		if err != nil {
			return err
		}
		return f.invertShallow(out, rep, *imagePath, f.paperTV(0.5))
	}
	if err := required(fs, "model", "layer", "image", "out"); err != nil {
		return err
	}
	if err := f.check(fs.Changed("tv"), fs.Changed("tv-code"), [2]string{"image", *imagePath}, [2]string{"mask", *maskPath}, [2]string{"model", mf.model}); err != nil {
		return err
	}
	mf.writes = f.outputs()
	// The schedule's checks before the model is read: a usage error costs
	// nothing.
	var sched invert.Schedule
	var err error
	if !ijcv {
		if sched, err = invert.CNNSchedule.Scaled(f.iters); err != nil {
			return usagef("--iters %d: %v", f.iters, err)
		}
	}
	if *neigh < 0 {
		return usagef("--neigh %d: want a positive window size", *neigh)
	}
	masks := maskFlags{neigh: *neigh, path: *maskPath}
	if masks.channels, err = parseSpan("channels", *channels); err != nil {
		return err
	}
	if masks.tokens, err = parseSpan("tokens", *tokens); err != nil {
		return err
	}
	lm, err := mf.openLayer(*size, *layer, ijcv)
	if err != nil {
		return err
	}
	m, norm, w, h, depth := lm.Model, lm.norm, lm.w, lm.h, lm.depth
	// All starts are one batch: charge it before the model is built for it.
	if err := mf.charge(fmt.Sprintf("--repeats %d (%d images of %d×%d)", f.repeats, f.repeats, w, h), int64(f.repeats)*int64(w)*int64(h)*3, 2); err != nil {
		return err
	}
	masks.channelsLast = m.NodeLayouts()[lm.layer] == onnxload.LayoutNHWC
	*layer = lm.layer
	im, err := pixels.Load(*imagePath)
	if err != nil {
		return err
	}
	tv := f.paperTV(invert.DefaultTV(depth))
	settings := map[string]any{
		"model": mf.model, "layer": *layer, "random_weights": mf.randomSeed, "dequantize": mf.dequantize, "file_precision": filePrecision(m), "image": *imagePath, "size": []int{w, h},
		"mean": norm.Mean, "std": norm.Std, "relative_depth": depth,
		"neigh": *neigh, "channels": *channels, "tokens": *tokens, "mask": *maskPath,
	}
	j := zoo.Job{Rep: mf.truncated(m, *layer, &norm), Photo: im, Input: zoo.Input{W: w, H: h, Norm: norm},
		Options: invert.Options{Schedule: sched, TV: tv, MaskFor: masks.build}}
	if ijcv {
		rf := lm.rf
		// The code's 300 and 50 iterations, in that proportion.
		m := invert.IJCV{C: *c, Beta: *beta, Jitter: invert.JitterFromStride(rf.Stride), Iters: invert.IJCVStages(f.iters)}
		if *jitter > 0 {
			if *jitter >= min(w, h) {
				return usagef("--jitter %d: want fewer positions than the image's %d×%d pixels", *jitter, w, h)
			}
			m.Jitter = *jitter
		}
		j.Method, j.Options.TV = m, 0
		delete(settings, "relative_depth")
		settings["method"], settings["c"], settings["beta"], settings["jitter"], settings["stages"] = "ijcv", m.C, m.Beta, m.Jitter, m.Iters
		settings["receptive_field"] = map[string]any{"size": rf.Size, "stride": rf.Stride, "global": rf.Global && !rf.Unknown, "unknown": rf.Unknown}
	}
	return f.run(out, f.jobTask(j, settings))
}

// invertShallow runs the paper's shallow pipeline (SPEC §3.4): grey input
// 255·gray − 128 at full resolution, 800 iterations of 200 at 0.004, 0.0004,
// 0.00004 and 0.000004.
func (f *invertFlags) invertShallow(out io.Writer, rep handcrafted.Rep, imagePath string, tv float64) error {
	im, name, err := loadPhoto(imagePath)
	if err != nil {
		return err
	}
	sched, err := invert.ShallowSchedule.Scaled(f.iters)
	if err != nil {
		return usagef("--iters %d: %v", f.iters, err)
	}
	settings := map[string]any{"rep": string(rep.Kind), "image": name, "size": []int{im.W, im.H}, "cell": rep.HOG.Cell + rep.DSIFT.Bin}
	j := zoo.Job{Rep: rep, Photo: im, Input: zoo.Input{Gray: true}, Options: invert.Options{Schedule: sched, TV: tv}}
	return f.run(out, f.jobTask(j, settings))
}

// check validates the flags every inversion takes; inputs (flag, path)
// are the files it reads, which no output may overwrite.
func (f *invertFlags) check(tvSet, tvCodeSet bool, inputs ...[2]string) error {
	if f.iters <= 0 {
		return usagef("--iters %d: want a positive number of iterations", f.iters)
	}
	if f.repeats <= 0 {
		name := f.repeatsFlag
		if name == "" {
			name = "repeats"
		}
		return usagef("--%s %d: want at least 1", name, f.repeats)
	}
	if tvSet && tvCodeSet {
		return usagef("give --tv or --tv-code, not both")
	}
	if f.tv < 0 || f.tvCode < 0 {
		return usagef("--tv must not be negative")
	}
	if math.IsNaN(f.tv) || math.IsInf(f.tv, 0) || math.IsNaN(f.tvCode) || math.IsInf(f.tvCode, 0) {
		return usagef("--tv and --tv-code must be finite numbers")
	}
	if tvCodeSet {
		f.tv = invert.PaperTV(f.tvCode)
	} else if !tvSet {
		f.tv = -1 // default by depth
	}
	if !strings.HasSuffix(strings.ToLower(f.out), ".png") {
		return usagef("--out %q: want a .png file", f.out)
	}
	outputs := f.outputs()
	if err := distinctOutputs(outputs, inputs); err != nil {
		return err
	}
	return writableDirs(outputs)
}

// outputs are the files an inversion writes.
func (f *invertFlags) outputs() [][2]string {
	return [][2]string{{"out", f.out}, {"report", f.report}, {"cpuprofile", f.cpuProfile}, {"memprofile", f.memProfile}}
}

func (f *invertFlags) paperTV(def float64) float64 {
	if f.tv < 0 {
		return def
	}
	return f.tv
}

// signalContext is cancelled by SIGINT or SIGTERM, so a run stops cleanly
// between iterations, keeping what it has. A phase that does not look at
// the context (building a large graph, the graph library's type
// inference) would otherwise hold the signal off: if the command has not
// returned interruptGrace after the signal, or a second signal comes, it
// exits at once with 130 (its files are written whole or not at all, so
// nothing half-written is left).
func signalContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		cancel()
		first := time.Now()
		grace := time.After(interruptGrace)
	again:
		select {
		case <-sigs:
			// A signal within a second of the first is the same request:
			// a scheduler signals every process of a job, and the job's
			// script may pass it on too (Slurm's requeue, scancel,
			// --signal). A person's second Ctrl-C comes later.
			if time.Since(first) < time.Second {
				goto again
			}
		case <-grace:
		case <-done:
			return
		}
		fmt.Fprintln(os.Stderr, "invrep: interrupted")
		os.Exit(130)
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// interruptGrace is how long a signalled command may take to stop by
// itself.
const interruptGrace = 3 * time.Second

// span is a range A:B given on the command line (--channels, --tokens).
type span struct {
	set  bool
	a, b int
}

// parseSpan reads flag's value A:B (0-based, B excluded).
func parseSpan(flag, v string) (span, error) {
	if v == "" {
		return span{}, nil
	}
	parts := strings.Split(v, ":")
	if len(parts) != 2 {
		return span{}, usagef("--%s %q: want A:B, e.g. 0:48", flag, v)
	}
	a, err := strconv.Atoi(parts[0])
	b := 0
	if err == nil {
		b, err = strconv.Atoi(parts[1])
	}
	if err != nil || a < 0 || b <= a {
		return span{}, usagef("--%s %q: want A:B with 0 ≤ A < B", flag, v)
	}
	return span{true, a, b}, nil
}

// maskFlags select what of a layer the inversion matches.
type maskFlags struct {
	neigh            int
	channels, tokens span
	path             string
	// channelsLast: the layer is [N,H,W,C] (Model.NodeLayouts), so
	// --channels and --neigh take its last axis and its middle two.
	channelsLast bool
}

func (f maskFlags) build(shape []int) (*graph.Tensor, error) {
	var mask *graph.Tensor
	add := func(flag string, m *graph.Tensor, err error) error {
		if err != nil {
			// The flag's span does not fit the layer: a usage error.
			return usagef("--%s: %w", flag, err)
		}
		mask, err = invert.Intersect(mask, m)
		return err
	}
	neighMask, channelMask := invert.NeighMask, invert.ChannelMask
	if f.channelsLast {
		neighMask, channelMask = invert.NeighMaskLast, invert.ChannelMaskLast
	}
	if f.neigh > 0 {
		m, err := neighMask(shape, f.neigh)
		if err := add("neigh", m, err); err != nil {
			return nil, err
		}
	}
	if f.channels.set {
		m, err := channelMask(shape, f.channels.a, f.channels.b)
		if err := add("channels", m, err); err != nil {
			return nil, err
		}
	}
	if f.tokens.set {
		m, err := invert.TokenMask(shape, f.tokens.a, f.tokens.b)
		if err := add("tokens", m, err); err != nil {
			return nil, err
		}
	}
	if f.path != "" {
		fm, err := npy.Load(f.path)
		if err != nil {
			return nil, fmt.Errorf("--mask: %w", err)
		}
		if fm, err = invert.FitMask(fm, shape); err != nil {
			return nil, fmt.Errorf("--mask %s %w", f.path, err)
		}
		if mask, err = invert.Intersect(mask, fm); err != nil {
			return nil, err
		}
	}
	return mask, nil
}

// task is what an image command runs and writes: an inversion, a
// maximisation, a caricature.
type task struct {
	verb string // for the progress bar
	// run runs it with the flags' settings applied to its options.
	run func(ctx context.Context, apply func(*invert.Options)) (*zoo.Outcome, error)
	// picture is what --out shows.
	picture func(*zoo.Outcome) (image.Image, error)
	// summary is the line printed after writing (default: the errors).
	summary  func(*zoo.Outcome) string
	settings map[string]any // echoed in the report
	tv       float64        // the CVPR prior's weight, for the report
	// fixedBatch tells, after a batch failed to build, whether one image
	// builds: the model's export fixed its batch.
	fixedBatch func() bool
	// fidelity adds image-space metrics against the original (PSNR, SSIM)
	// to the summary and the report: an inversion from a photo.
	fidelity bool
}

// jobTask is an inversion from a photo (zoo.Job) as a task.
func (f *invertFlags) jobTask(j zoo.Job, settings map[string]any) task {
	return task{
		verb:     "inverting",
		fidelity: true,
		run: func(ctx context.Context, apply func(*invert.Options)) (*zoo.Outcome, error) {
			apply(&j.Options)
			return j.Run(ctx)
		},
		picture: func(o *zoo.Outcome) (image.Image, error) {
			tiles, err := o.Tiles(f.withOrig)
			if err != nil {
				return nil, err
			}
			return pixels.Row(tiles, nil), nil
		},
		settings:   settings,
		tv:         j.Options.TV,
		fixedBatch: func() bool { return buildsForOne(j) },
	}
}

// run runs the task with the flags' settings, shows progress, and writes
// the PNG and the report.
func (f *invertFlags) run(out io.Writer, t task) error {
	ctx, stop := signalContext()
	defer stop()
	iters := f.iters
	bar := progressBar(out, f.quiet, iters, t.verb)
	apply := func(o *invert.Options) {
		o.Repeats, o.Seed, o.NoSafeguard, o.Profile = f.repeats, f.seed, f.noGuard, f.profile
		o.Progress = func(p invert.Progress) {
			if bar != nil {
				bar.Describe(describe(p))
				bar.Set(p.Iter)
			}
		}
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("--cpuprofile %s: %w", f.cpuProfile, err)
		}
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	res, err := t.run(ctx, apply)
	if f.memProfile != "" {
		if werr := writeHeapProfile(f.memProfile); werr != nil {
			return werr
		}
	}
	if bar != nil {
		bar.Finish()
	}
	if errors.Is(err, context.Canceled) {
		done := 0
		if res != nil {
			done = len(res.History)
		}
		return fmt.Errorf("interrupted at iteration %d of %d; nothing was written", done, iters)
	}
	if err != nil && !errors.Is(err, invert.ErrDiverged) {
		if f.repeats > 1 && res == nil && t.fixedBatch != nil && t.fixedBatch() {
			return fmt.Errorf("%w; the model builds for one image but not for --repeats %d: its export fixed the batch at 1 (in Reshape shapes, say). Export it with a dynamic batch axis (torch.onnx.export(..., dynamic_axes={\"input\": {0: \"batch\"}})), or run one repeat at a time with different --seed", err, f.repeats)
		}
		return err
	}
	if errors.Is(err, invert.ErrDiverged) {
		// Keep the last finite images, as the error says, and still fail.
		if werr := f.write(res, t, time.Since(t0)); werr != nil {
			return werr
		}
		return fmt.Errorf("%w (wrote %s from the lowest-energy finite iterate)", err, f.out)
	}
	if err := f.write(res, t, time.Since(t0)); err != nil {
		return err
	}
	summary := fmt.Sprintf("relative feature error %s", fmtErrs(res.RelErr))
	if t.summary != nil {
		summary = t.summary(res)
	}
	if t.fidelity {
		if fid, err := res.Fidelity(); err == nil {
			summary += fmt.Sprintf(", PSNR %.2f dB", fid.Mean.PSNR)
			if len(fid.SSIM) > 0 {
				summary += fmt.Sprintf(", SSIM %.3f", fid.Mean.SSIM)
			}
		}
	}
	fmt.Fprintf(out, "wrote %s: %s, %.1f ms/iteration, %d safeguard backtracks\n", f.out, summary, res.MsPerIter, res.Backtracks)
	if f.profile {
		printProfile(out, res.Profile, len(res.History)+1)
	}
	return nil
}

// writeHeapProfile writes the live heap (after a collection) to path.
func writeHeapProfile(path string) error {
	pf, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(pf); err != nil {
		pf.Close()
		return fmt.Errorf("--memprofile %s: %w", path, err)
	}
	return pf.Close()
}

// buildsForOne says whether the job's representation computes features
// for its photo alone: asked only after a batch failed, to tell a model
// exported with a fixed batch from other failures.
func buildsForOne(j zoo.Job) bool {
	x0, err := j.Input.Tensor(j.Photo)
	if err != nil {
		return false
	}
	_, err = invert.Features(j.Rep, x0)
	return err == nil
}

// printProfile prints the ops' time per run of the graph (the iterations
// and the final evaluation), the longest first.
func printProfile(out io.Writer, prof []graph.OpTime, runs int) {
	total := time.Duration(0)
	for _, t := range prof {
		total += t.Time
	}
	fmt.Fprintf(out, "%12s  %6s  %s\n", "ms/iteration", "share", "op")
	for _, t := range prof {
		fmt.Fprintf(out, "%12.3f  %5.1f%%  %s\n", t.Time.Seconds()*1000/float64(runs), 100*t.Time.Seconds()/total.Seconds(), t.Op)
	}
	fmt.Fprintf(out, "%12.3f  %5.1f%%  all ops\n", total.Seconds()*1000/float64(runs), 100.0)
}

// finalTerms is the objective's weighted terms at the last iteration, by
// name: what a maximisation or caricature ended at.
func finalTerms(res *invert.Result) map[string]float64 {
	out := map[string]float64{}
	if len(res.History) == 0 {
		return out
	}
	last := res.History[len(res.History)-1]
	for i, n := range res.TermNames {
		if i < len(last.Terms) {
			out[n] = last.Terms[i]
		}
	}
	out["energy"] = last.Energy
	return out
}

func fmtErrs(v []float64) string {
	var s []string
	for _, e := range v {
		s = append(s, strconv.FormatFloat(e, 'g', 4, 64))
	}
	return strings.Join(s, ", ")
}

func (f *invertFlags) write(res *zoo.Outcome, t task, took time.Duration) error {
	picture, err := t.picture(res)
	if err != nil {
		return err
	}
	// The report is made before anything is written, and the picture is
	// removed again if the report cannot be written: all outputs or none.
	var report []byte
	if f.report != "" {
		var fid *zoo.Fidelity
		if t.fidelity {
			if fid, err = res.Fidelity(); err != nil {
				return err
			}
		}
		if report, err = f.reportJSON(res.Result, fid, t.tv, t.settings, took); err != nil {
			return err
		}
	}
	if err := pixels.SavePNG(f.out, picture); err != nil {
		return fmt.Errorf("writing %s: %w", f.out, err)
	}
	if f.report == "" {
		return nil
	}
	if err := atomicfile.Write(f.report, func(w io.Writer) error { _, err := w.Write(report); return err }); err != nil {
		os.Remove(f.out)
		return fmt.Errorf("writing %s: %w (%s removed: all outputs or none)", f.report, err, f.out)
	}
	return nil
}

// reportJSON is the --report file's content.
func (f *invertFlags) reportJSON(res *invert.Result, fid *zoo.Fidelity, tv float64, settings map[string]any, took time.Duration) ([]byte, error) {
	settings["iters"] = f.iters
	if settings["method"] != "ijcv" {
		settings["tv"] = tv
		settings["tv_code"] = invert.CodeTV(tv)
	}
	settings["repeats"] = f.repeats
	settings["seed"] = f.seed
	settings["safeguard"] = !f.noGuard
	settings["objective"] = res.Objective.String()
	var hist []invert.Record
	for _, r := range res.History {
		if r.Iter == 1 || r.Iter%25 == 0 || r.Iter == len(res.History) {
			hist = append(hist, r)
		}
	}
	rep := map[string]any{
		"invrep_version":       version,
		"settings":             settings,
		"terms":                res.TermNames,
		"history":              hist,
		"final_relative_error": res.RelErr,
		"final_terms":          finalTerms(res),
		"ms_per_iter":          res.MsPerIter,
		"backtracks":           res.Backtracks,
		"seconds":              took.Seconds(),
	}
	if fid != nil {
		// In image space, against the original as the model saw it.
		rep["image_metrics"] = fid
	}
	b, err := json.MarshalIndent(rep, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// filePrecision is the precision the model file stores (float32 unless it
// is half precision), for reports.
func filePrecision(m interface{ Precision() string }) string {
	if p := m.Precision(); p != "" {
		return p
	}
	return "float32"
}
