package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/invrep/invrep/graph/atomicfile"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
)

func runEval(args []string, out io.Writer) error {
	fs := newFlags("eval", "--rep hog,hogb,dsift --images DIR [--out table.md|table.csv] [--iters 800] [--tv 0.5] [--workers 2]", out)
	reps := fs.String("rep", "hog,hogb,dsift", "representations to evaluate, comma-separated")
	dir := fs.String("images", "", "folder of PNG and JPEG photos")
	outPath := fs.String("out", "", "write the table: .md (Markdown) or .csv")
	iters := fs.Int("iters", 800, "iterations per inversion")
	tv := fs.Float64("tv", 0.5, "the paper's λ_Vβ (the authors' Table 1 code uses 0.5)")
	cell := fs.Int("cell", 0, "HOG cell size or DSIFT bin size (defaults 8 and 5)")
	workers := fs.Int("workers", 2, "inversions run at once")
	seed := fs.Int64("seed", 1, "seed of the initial noise")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "images"); err != nil {
		return err
	}
	if *iters <= 0 || *workers <= 0 || *tv < 0 {
		return usagef("--iters and --workers must be positive and --tv not negative")
	}
	if *outPath != "" && !strings.HasSuffix(*outPath, ".md") && !strings.HasSuffix(*outPath, ".csv") {
		return usagef("--out %q: want a .md or .csv file", *outPath)
	}
	var kinds []handcrafted.Rep
	for _, r := range strings.Split(*reps, ",") {
		rep, err := handcraftedRep(strings.TrimSpace(r), *cell)
		if err != nil {
			return err
		}
		kinds = append(kinds, rep)
	}
	images, err := listImages(*dir)
	if err != nil {
		return err
	}
	if len(images) < 2 {
		return fmt.Errorf("--images %s: need at least 2 photos for the pairwise normaliser, found %d", *dir, len(images))
	}
	sched, err := invert.ShallowSchedule.Scaled(*iters)
	if err != nil {
		return usagef("--iters: %v", err)
	}
	ctx, stop := signalContext()
	defer stop()
	bar := progressBar(out, *quiet, len(kinds)*len(images), "evaluating")
	var rows []evalRow
	var finished atomic.Int64
	for _, rep := range kinds {
		row, err := evalRep(ctx, rep, images, sched, *tv, *seed, *workers, func() {
			finished.Add(1)
			if bar != nil {
				bar.Add(1)
			}
		})
		if ctx.Err() != nil {
			// One message for the run, as invert and sweep give it, not a
			// "context canceled" per image.
			return fmt.Errorf("interrupted at image %d of %d; nothing was written", finished.Load(), len(kinds)*len(images))
		}
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	if bar != nil {
		bar.Finish()
	}
	md := evalMarkdown(rows, *iters, *tv)
	fmt.Fprint(out, md)
	if *outPath == "" {
		return nil
	}
	content := md
	if strings.HasSuffix(*outPath, ".csv") {
		content = evalCSV(rows)
	}
	return atomicfile.Write(*outPath, func(w io.Writer) error { _, err := io.WriteString(w, content); return err })
}

type evalRow struct {
	rep        string
	mean, std  float64 // percent
	images     int
	secPerImag float64
}

// listImages returns the PNG and JPEG files of dir, sorted.
func listImages(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--images: %w", err)
	}
	var out []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// evalRep inverts rep on every image and computes the paper's Table 1
// metric (SPEC §5.1): N_Φ is the mean of ‖Φ(x_i) − Φ(x_j)‖² over all n²
// ordered pairs (diagonal included), the features flattened as MATLAB's
// y(:) of an H×W×C array and zero-padded to the longest; each image's error
// is ‖Φ(x*_i) − Φ(x_i)‖²/N_Φ; the table gives their mean and standard
// deviation (N−1) in percent.
func evalRep(ctx context.Context, rep handcrafted.Rep, images []string, sched invert.Schedule, tv float64, seed int64, workers int, done func()) (evalRow, error) {
	n := len(images)
	targets := make([][]float64, n)
	sq := make([]float64, n) // ‖Φ(x*) − Φ(x)‖²
	secs := make([]float64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i, path := range images {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			im, err := pixels.Load(path)
			if err != nil {
				errs[i] = err
				return
			}
			x0 := im.GrayPaper()
			t0 := time.Now()
			target, err := invert.Features(rep, x0)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", path, err)
				return
			}
			res, err := invert.Invert(ctx, rep, target, invert.Options{ImageShape: x0.Shape[1:], Schedule: sched, TV: tv, Seed: seed})
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", path, err)
				return
			}
			secs[i] = time.Since(t0).Seconds()
			sq[i] = res.RelErr[0] * target.SquaredNorm()
			targets[i] = handcrafted.MatlabOrder(target)
			done()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return evalRow{}, err
	}
	ne, err := invert.NormalizedErrors(sq, targets)
	if err != nil {
		return evalRow{}, fmt.Errorf("%s: %w", rep.Kind, err)
	}
	sec := 0.0
	for _, s := range secs {
		sec += s / float64(n)
	}
	return evalRow{rep: string(rep.Kind), mean: ne.Mean, std: ne.Std, images: n, secPerImag: sec}, nil
}

// paperTable1 holds the paper's numbers (SPEC §5.2).
var paperTable1 = map[string]string{"hog": "28.10 ± 7.9", "hogb": "10.67 ± 5.2", "dsift": "10.89 ± 7.5"}

func evalMarkdown(rows []evalRow, iters int, tv float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| representation | error %% (mean ± std) | paper | images | seconds per image |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.2f ± %.1f | %s | %d | %.1f |\n", r.rep, r.mean, r.std, paperTable1[r.rep], r.images, r.secPerImag)
	}
	fmt.Fprintf(&b, "\n%d iterations, λ_Vβ = %g; error = ‖Φ(x*) − Φ(x)‖²/N_Φ with N_Φ the mean squared pairwise distance of the targets.\n", iters, tv)
	return b.String()
}

func evalCSV(rows []evalRow) string {
	var b strings.Builder
	b.WriteString("rep,mean_error_pct,std_error_pct,images,seconds_per_image\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%.4f,%.4f,%d,%.3f\n", r.rep, r.mean, r.std, r.images, r.secPerImag)
	}
	return b.String()
}
