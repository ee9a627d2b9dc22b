package invert

import (
	"context"
	"fmt"

	"github.com/invrep/invrep/graph"
)

// Maximization is the IJCV paper's activation maximisation (SPEC §2.1,
// §2.3): from IJCVInit, one stage of Iters iterations at η with jitter J,
// the IJCV energy with the Units loss at weight 1, AdaGrad with momentum
// and the B₊ projection. Each image of the batch raises its own unit.
type Maximization struct {
	Units  Units
	Beta   float64
	Jitter int
	Iters  int
}

// Run optimises images of shape [C,H,W], one per channel of Units.
func (m Maximization) Run(ctx context.Context, rep Representation, image []int, opts Options) (*Result, error) {
	if len(image) != 3 || m.Iters <= 0 || !(m.Beta > 0) {
		return nil, fmt.Errorf("maximisation: image [C,H,W] %v, %d iterations and β %g", image, m.Iters, m.Beta)
	}
	n := len(m.Units.Channels)
	opts.ImageShape = image
	opts.Repeats = n
	opts.Objective = IJCVObjective(m.Units, 1, m.Beta)
	opts.Optimizer = Projected{NewAdaGradMomentum(), RangeBPlus}
	opts.Schedule = IJCVSchedule(image[1]*image[2], m.Iters, 1)
	jitterOn(&opts, m.Jitter, append([]int{n}, image...), func(c []int) *graph.Tensor { return IJCVInit(c, opts.Seed) }, nil)
	return Invert(ctx, rep, nil, opts)
}
