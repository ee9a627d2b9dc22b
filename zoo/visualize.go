package zoo

import (
	"context"
	"fmt"

	"github.com/invrep/invrep/invert"
)

// VisualizeJob is a feature visualisation (Lucid's, for any model): images
// that minimise an objective of the model's layers, made from parameters
// (pixels through a sigmoid, colours optionally decorrelated), changed at
// random every step (Augmentations) before the model reads them.
type VisualizeJob struct {
	Rep       invert.Layered
	Objective invert.Objective
	Input     Input // the images' size and the model's normalisation
	// Decorrelate mixes the colours by ImageNet's decorrelating matrix.
	Decorrelate bool
	// FFT makes the images from a 1/f-scaled spectrum (invert.FFTParam)
	// instead of one value per pixel.
	FFT bool
	// Augment changes the images every step (nil: none).
	Augment invert.Augmentations
	Batch   int
	Steps   int
	LR      float64
	Options invert.Options // seed, progress, profile
}

// Run optimises the batch.
func (j VisualizeJob) Run(ctx context.Context) (*Outcome, error) {
	if j.Steps <= 0 || !(j.LR > 0) || j.Batch <= 0 {
		return nil, fmt.Errorf("visualisation: %d steps at rate %g for %d images", j.Steps, j.LR, j.Batch)
	}
	opts := j.Options
	opts.ImageShape = []int{3, j.Input.H, j.Input.W}
	opts.Repeats = j.Batch
	opts.Objective = j.Objective
	opts.Schedule = invert.Schedule{{Iters: j.Steps, LR: j.LR}}
	opts.Optimizer = invert.NewAdam(0.9, 0.999)
	if len(j.Augment) > 0 {
		opts.Transform = j.Augment
	}
	var param invert.Parameterization = invert.PixelParam{Decorrelate: j.Decorrelate, Mean: j.Input.Norm.Mean}
	if j.FFT {
		param = invert.FFTParam{Decorrelate: j.Decorrelate, Mean: j.Input.Norm.Mean}
	}
	res, err := invert.Visualize(ctx, j.Rep, invert.VisualizeOptions{Options: opts, Param: param})
	if res == nil {
		return nil, err
	}
	return &Outcome{Result: res, Mean: j.Input.Mean()}, err
}
