package main

import (
	"fmt"
	"io"

	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/zoo"
)

func runCaricature(args []string, out io.Writer) error {
	fs := newFlags("caricature", "--model M --layer L --image IMG --out OUT.png [--iters 300] [--beta 2] [--jitter J] [--report R.json]", out)
	var f invertFlags
	mf := addModelFlags(fs, true)
	layer := fs.String("layer", "", "node whose view of the photo is exaggerated")
	imagePath := fs.String("image", "", "PNG or JPEG photo (default: the built-in sample)")
	fs.StringVar(&f.out, "out", "", "output PNG: the photo (as the model sees it) and its caricature side by side")
	fs.IntVar(&f.iters, "iters", 300, "iterations (the IJCV code's 300 at its rate)")
	beta := fs.Float64("beta", 2, "the TV exponent β (1, 1.5, 2)")
	jitter := fs.Int("jitter", 0, "jitter positions J per axis (default from the layer's receptive field)")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the jitter's draws")
	fs.StringVar(&f.report, "report", "", "write settings, the energy history and the final values to this JSON file")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	size := fs.String("size", "", "input size N or WxH (default: the model's)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "model", "layer", "out"); err != nil {
		return err
	}
	if f.iters <= 0 || !(*beta > 0) || *jitter < 0 {
		return usagef("--iters and --beta must be positive and --jitter not negative")
	}
	f.repeats, f.withOrig = 1, true
	if err := f.check(false, false, [2]string{"model", mf.model}, [2]string{"image", *imagePath}); err != nil {
		return err
	}
	mf.writes = f.outputs()
	lm, err := mf.openLayer(*size, *layer, true)
	if err != nil {
		return err
	}
	m, norm, w, h, rf := lm.Model, lm.norm, lm.w, lm.h, lm.rf
	*layer = lm.layer
	im, name, err := loadPhoto(*imagePath)
	if err != nil {
		return err
	}
	method := invert.Caricature{Beta: *beta, Jitter: invert.JitterFromStride(rf.Stride), Iters: f.iters}
	if *jitter > 0 {
		method.Jitter = *jitter
	}
	j := zoo.Job{Rep: mf.truncated(m, *layer, &norm), Photo: im, Input: zoo.Input{W: w, H: h, Norm: norm}, Method: method}
	settings := map[string]any{"method": "ijcv-caricature", "model": mf.model, "layer": *layer, "image": name, "size": []int{w, h},
		"beta": *beta, "jitter": method.Jitter, "mean": norm.Mean, "std": norm.Std,
		"receptive_field": map[string]any{"size": rf.Size, "stride": rf.Stride, "global": rf.Global && !rf.Unknown, "unknown": rf.Unknown}}
	t := f.jobTask(j, settings)
	t.verb = "exaggerating"
	t.summary = func(o *zoo.Outcome) string {
		return fmt.Sprintf("features moved by %s of the photo's (relative squared change)", fmtErrs(o.RelErr))
	}
	return f.run(out, t)
}
