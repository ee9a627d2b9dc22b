package main

import (
	"context"
	"fmt"
	"image"
	"io"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/zoo"
)

func runVisualize(args []string, out io.Writer) error {
	fs := newFlags("visualize", "--model M --objective EXPR --out OUT.png [--param pixel|fft] [--decorrelate] [--transforms standard|none|LIST] [--batch 1] [--steps 512] [--lr 0.05] [--size 224] [--seed 1] [--report R.json]", out)
	var f invertFlags
	mf := addModelFlags(fs, true)
	expr := fs.String("objective", "", "what to minimise: 'fire7:12 - 0.5*fire7:13 + 1e-3*tv' (layer:C a channel, layer:C@x,y or @c a neuron, layer:dir=F.npy or cos=F.npy a direction (F: C values, or an activation from 'invrep features', averaged over its positions), layer:diversity, tv, l1, l2; spaces around + and -)")
	param := fs.String("param", "pixel", "how images are made from the parameters: pixel (a sigmoid of one value per pixel and channel) or fft (a 1/f-scaled spectrum, Lucid's)")
	decorrelate := fs.Bool("decorrelate", false, "mix the colours by ImageNet's decorrelating matrix (Lucid's)")
	transforms := fs.String("transforms", "standard", "standard (pad 12, jitter 8, scale 0.9–1.1, rotate ±10°, jitter 4, crop back), none, or a list: pad=N,jitter=N,scale[=A:B],rotate[=D] (a crop back to the model's size is added)")
	fs.IntVar(&f.repeats, "batch", 1, "images optimised together, side by side in OUT.png")
	f.repeatsFlag = "batch"
	fs.IntVar(&f.iters, "steps", 512, "optimisation steps (Adam)")
	lr := fs.Float64("lr", 0.05, "Adam's learning rate")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the start and of the transforms")
	fs.StringVar(&f.out, "out", "", "output PNG")
	fs.StringVar(&f.report, "report", "", "write settings, the objective's history and its final terms to this JSON file")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
	fs.BoolVar(&f.profile, "profile", false, "print the time per step spent in each kind of op")
	size := fs.String("size", "", "image size N or WxH (default: the model's input)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "model", "objective", "out"); err != nil {
		return err
	}
	if *param != "pixel" && *param != "fft" {
		return usagef("--param %q: want pixel or fft", *param)
	}
	if f.iters <= 0 || !(*lr > 0) {
		return usagef("--steps and --lr must be positive")
	}
	if err := f.check(false, false, [2]string{"model", mf.model}); err != nil {
		return err
	}
	mf.writes = f.outputs()
	m, norm, w, h, err := mf.openImageModel(*size)
	if err != nil {
		return err
	}
	obj, err := invert.ParseObjective(*expr, invert.ExprEnv{
		Layer: func(name string) (string, error) { return m.Resolve(mf.layer(name)) },
		Direction: func(path string) ([]float32, error) {
			if err := distinctOutputs(f.outputs(), [][2]string{{"objective", path}}); err != nil {
				return nil, err
			}
			t, err := npy.Load(path)
			if err != nil {
				return nil, err
			}
			return directionOf(t), nil
		},
	})
	if err != nil {
		return usagef("--objective: %v", err)
	}
	rep := mf.truncated(m, "", &norm)
	job := zoo.VisualizeJob{Rep: rep, Objective: obj, Input: zoo.Input{W: w, H: h, Norm: norm}, Decorrelate: *decorrelate,
		FFT: *param == "fft", Batch: f.repeats, Steps: f.iters, LR: *lr}
	if job.Augment, err = invert.ParseAugmentations(*transforms, h, w); err != nil {
		return usagef("--transforms: %v", err)
	}
	// The canvases the transforms make, each with its gradient, for the batch.
	if err := mf.charge("--transforms "+*transforms, job.Augment.Largest([]int{f.repeats, 3, h, w}), 2); err != nil {
		return err
	}
	settings := map[string]any{"method": "visualize", "model": mf.model, "objective_expr": *expr, "param": *param,
		"decorrelate": *decorrelate, "transforms": *transforms, "batch": f.repeats, "lr": *lr, "size": []int{w, h},
		"mean": norm.Mean, "std": norm.Std}
	return f.run(out, task{
		verb: "visualizing",
		run: func(ctx context.Context, apply func(*invert.Options)) (*zoo.Outcome, error) {
			apply(&job.Options)
			return job.Run(ctx)
		},
		picture: func(o *zoo.Outcome) (image.Image, error) {
			tiles, err := o.Tiles(false)
			if err != nil {
				return nil, err
			}
			return pixels.Row(tiles, nil), nil
		},
		summary: func(o *zoo.Outcome) string {
			return fmt.Sprintf("%d image(s), objective %.4g at the last step", f.repeats, o.History[len(o.History)-1].Energy)
		},
		settings: settings,
	})
}

// directionOf reads a direction file: C values, or a layer's activation
// ([1,C,H,W] or tokens [1,T,D]) whose mean over the positions is the
// direction (a photo's features, from 'invrep features').
func directionOf(t *graph.Tensor) []float32 {
	s := t.Shape
	var c, p int
	var at func(ch, q int) float32
	switch {
	case len(s) == 4 && s[0] == 1:
		c, p = s[1], s[2]*s[3]
		at = func(ch, q int) float32 { return t.Data[ch*p+q] }
	case len(s) == 3 && s[0] == 1:
		c, p = s[2], s[1]
		at = func(ch, q int) float32 { return t.Data[q*c+ch] }
	default:
		return t.Data
	}
	v := make([]float32, c)
	for ch := range v {
		sum := 0.0
		for q := 0; q < p; q++ {
			sum += float64(at(ch, q))
		}
		v[ch] = float32(sum / float64(p))
	}
	return v
}
