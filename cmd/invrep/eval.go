package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/invrep/invrep/graph/atomicfile"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/zoo"
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
	images, err := zoo.Photos(*dir)
	if err != nil {
		return fmt.Errorf("--images: %w", err)
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
	var finished atomic.Int64
	rows, err := zoo.Table1(ctx, zoo.Table1Config{Reps: kinds, Photos: images, Schedule: sched, TV: *tv, Seed: *seed, Workers: *workers,
		Done: func() {
			finished.Add(1)
			if bar != nil {
				bar.Add(1)
			}
		}})
	if ctx.Err() != nil {
		// One message for the run, as invert and sweep give it, not a
		// "context canceled" per image.
		return fmt.Errorf("interrupted at image %d of %d; nothing was written", finished.Load(), len(kinds)*len(images))
	}
	if err != nil {
		return err
	}
	if bar != nil {
		bar.Finish()
	}
	md := zoo.Table1Markdown(rows, *iters, *tv)
	fmt.Fprint(out, md)
	if *outPath == "" {
		return nil
	}
	content := md
	if strings.HasSuffix(*outPath, ".csv") {
		content = zoo.Table1CSV(rows)
	}
	return atomicfile.Write(*outPath, func(w io.Writer) error { _, err := io.WriteString(w, content); return err })
}
