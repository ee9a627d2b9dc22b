package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/zoo"
)

func runMaximize(args []string, out io.Writer) error {
	fs := newFlags("maximize", "--model M --layer L (--channel K | --channels A:B | --class NAME_OR_INDEX …) --out OUT.png [--stats DIR] [--iters 300] [--beta 2] [--seed 1] [--report R.json]", out)
	var f invertFlags
	mf := addModelFlags(fs, true)
	layer := fs.String("layer", "", "node whose channels are visualised")
	channel := fs.Int("channel", -1, "one channel (0-based)")
	channels := fs.String("channels", "", "channels A:B (0-based, B excluded): one image each, in a labelled mosaic (5 per row)")
	classes := fs.StringArray("class", nil, "a class of an ImageNet model, by index or name (e.g. \"coffee mug\"; imagenet_synsets.txt beside the model or in --models-dir); repeat for several, one image each")
	stats := fs.String("stats", "", "folder of photos for the channels' activation statistic M (computed once, cached); default: the built-in sample photo")
	fs.StringVar(&f.out, "out", "", "output PNG")
	fs.IntVar(&f.iters, "iters", 300, "iterations (the IJCV code's 300 at its rate)")
	beta := fs.Float64("beta", 2, "the TV exponent β (1, 1.5, 2)")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the initial noise")
	fs.StringVar(&f.report, "report", "", "write settings, the energy history and the final unit values to this JSON file")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	fs.BoolVar(&f.profile, "profile", false, "print the time per iteration spent in each kind of op")
	size := fs.String("size", "", "input side N (default: from the layer's receptive field; class scores: the model's input size)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "model", "layer", "out"); err != nil {
		return err
	}
	picked := 0
	for _, n := range []string{"channel", "channels", "class"} {
		if fs.Changed(n) {
			picked++
		}
	}
	if picked != 1 {
		return usagef("give one of --channel, --channels or --class")
	}
	if f.iters <= 0 || !(*beta > 0) {
		return usagef("--iters and --beta must be positive")
	}
	f.repeats = 1
	if err := f.check(false, false, [2]string{"model", mf.model}, [2]string{"stats", *stats}); err != nil {
		return err
	}
	mf.writes = f.outputs()
	if *stats != "" { // the photos it reads, which no output may replace
		photos, err := zoo.Photos(*stats)
		if err != nil {
			return fmt.Errorf("--stats %s: %w", *stats, err)
		}
		var ins [][2]string
		for _, p := range photos {
			ins = append(ins, [2]string{"stats", p})
		}
		if err := distinctOutputs(mf.writes, ins); err != nil {
			return err
		}
	}
	span, err := parseSpan("channels", *channels)
	if err != nil {
		return err
	}
	lm, err := mf.openLayer(*size, *layer, true)
	if err != nil {
		return err
	}
	m, norm, w, h, rf := lm.Model, lm.norm, lm.w, lm.h, lm.rf
	*layer = lm.layer
	rep := mf.truncated(m, *layer, &norm)
	in := zoo.Input{W: w, H: h, Norm: norm}
	var maxima []float64
	statsFrom := "built-in sample"
	if *stats != "" {
		if maxima, statsFrom, err = zoo.CachedChannelMaxima(mf.resolved.Path, *layer, mf.variant(), rep, *stats, in); err != nil {
			return fmt.Errorf("--stats %s: %w", *stats, err)
		}
	} else {
		sample, _, err := loadPhoto("")
		if err != nil {
			return err
		}
		if maxima, err = zoo.ChannelMaxima(rep, []*pixels.RGB{sample}, in); err != nil {
			return err
		}
	}
	var chans []int
	var labels []string
	switch {
	case fs.Changed("channel"):
		if *channel < 0 {
			return usagef("--channel %d: want a channel ≥ 0", *channel)
		}
		chans, labels = []int{*channel}, []string{fmt.Sprintf("channel %d", *channel)}
	case span.set:
		// Checked against the layer's width before the list is made: a
		// span of a billion channels is a usage error, not an allocation.
		if span.b > len(maxima) {
			return usagef("--channels %s: layer %s has %d channels (0 to %d)", *channels, *layer, len(maxima), len(maxima)-1)
		}
		for c := span.a; c < span.b; c++ {
			chans, labels = append(chans, c), append(labels, strconv.Itoa(c))
		}
	default:
		names, err := classLabels(mf)
		if err != nil {
			return fmt.Errorf("--class: %w", err)
		}
		for _, name := range *classes {
			c, err := names.Class(name)
			if err != nil {
				return fmt.Errorf("--class: %w", err)
			}
			chans, labels = append(chans, c), append(labels, names.Names[c])
		}
		if len(names.Names) != len(maxima) {
			return usagef("--class: layer %s has %d channels, not the model's %d classes: --class names units of the class-score layer (give it as --layer), --channel a channel of any layer", *layer, len(maxima), len(names.Names))
		}
	}
	for _, c := range chans {
		if c >= len(maxima) {
			return usagef("channel %d: layer %s has %d channels (0 to %d)", c, *layer, len(maxima), len(maxima)-1)
		}
	}
	job := zoo.MaximizeJob{Rep: rep, RF: rf, Input: in, Channels: chans, Maxima: maxima, Beta: *beta, Iters: f.iters}
	if fs.Changed("size") {
		job.RF.Global, job.Input.W, job.Input.H = true, w, h
	}
	cols := 0
	if len(chans) > 1 {
		cols = 5
	}
	settings := map[string]any{"method": "ijcv-maximize", "model": mf.model, "layer": *layer, "channels": chans, "labels": labels,
		"side": job.Side(), "beta": *beta, "receptive_field": map[string]any{"size": rf.Size, "stride": rf.Stride, "global": rf.Global && !rf.Unknown, "unknown": rf.Unknown},
		"stats": statsFrom, "mean": norm.Mean, "std": norm.Std}
	return f.run(out, task{
		verb: "maximizing",
		run: func(ctx context.Context, apply func(*invert.Options)) (*zoo.Outcome, error) {
			apply(&job.Options)
			job.Options.Repeats = len(chans)
			return job.Run(ctx)
		},
		picture: func(o *zoo.Outcome) (image.Image, error) { return o.Labelled(labels, cols) },
		summary: func(o *zoo.Outcome) string {
			_, ratios, err := job.UnitValues(o)
			if err != nil {
				return err.Error()
			}
			return unitsSummary(labels, ratios)
		},
		settings: settings,
	})
}

// unitsSummary gives each unit's value on its image as a multiple of its
// statistic M (the best the photos reached).
func unitsSummary(labels []string, ratios []float64) string {
	var parts []string
	for i, r := range ratios {
		if i == 3 && len(ratios) > 4 {
			parts = append(parts, fmt.Sprintf("… (%d in all, median %.3g×)", len(ratios), median(ratios)))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.3g×", labels[i], r))
	}
	return "units at " + strings.Join(parts, ", ") + " their photos' maximum"
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// classLabels are the class names of --model: a zoo model's own, else an
// imagenet_synsets.txt beside the file, else the built-in ImageNet list.
func classLabels(mf *modelFlags) (*zoo.Labels, error) {
	if e := mf.resolved.Entry; e != nil {
		return e.ClassLabels(mf.dir)
	}
	return zoo.ImageNetLabels(filepath.Dir(mf.resolved.Path))
}
