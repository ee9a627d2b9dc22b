package invert

import (
	"context"
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

// Method is a way of reconstructing images from the representation of x0
// ([1,C,H,W], paper units): the CVPR paper's, or the IJCV paper's energy,
// optimiser and stages. Options give the run's settings (repeats, seed,
// mask, progress); a method sets the rest.
type Method interface {
	Reconstruct(ctx context.Context, rep Representation, x0 *graph.Tensor, opts Options) (*Result, error)
}

// CVPR is the CVPR paper's method: Reconstruct with the options as given
// (the paper's objective, momentum SGD and schedule by default).
type CVPR struct{}

// Reconstruct implements Method.
func (CVPR) Reconstruct(ctx context.Context, rep Representation, x0 *graph.Tensor, opts Options) (*Result, error) {
	return Reconstruct(ctx, rep, x0, opts)
}

// IJCV is the IJCV paper's inversion (SPEC §2.3, §2.5b): the IJCV energy
// with loss weight C and TV exponent Beta; stage one jittered by Jitter
// positions at η for Iters[0] iterations from IJCVInit; stage two without
// jitter at η/10 for Iters[1] iterations from stage one's images; AdaGrad
// with momentum, every pixel projected into the ball of radius B₊.
type IJCV struct {
	C      float64
	Beta   float64
	Jitter int
	Iters  [2]int
}

// IJCVStages splits n ≥ 2 iterations into the code's two stages in its
// proportion, 300:50, each at least one.
func IJCVStages(n int) [2]int {
	first := min(max(int(math.Round(float64(n)*6/7)), 1), n-1)
	return [2]int{first, n - first}
}

// DefaultIJCV is the code's inversion for a node whose fields are stride
// pixels apart: C = 100, β = 2, J from the stride, 300 + 50 iterations.
func DefaultIJCV(stride int) IJCV {
	return IJCV{C: 100, Beta: 2, Jitter: JitterFromStride(stride), Iters: [2]int{300, 50}}
}

// Reconstruct implements Method. The result's history holds both stages;
// its errors, images and target are stage two's.
func (m IJCV) Reconstruct(ctx context.Context, rep Representation, x0 *graph.Tensor, opts Options) (*Result, error) {
	if m.C <= 0 || m.Beta <= 0 || m.Iters[0] <= 0 || m.Iters[1] < 0 {
		return nil, fmt.Errorf("IJCV inversion: C %g, β %g and the iterations %v must be positive", m.C, m.Beta, m.Iters)
	}
	if x0 == nil || len(x0.Shape) != 4 {
		return nil, fmt.Errorf("x0 must be one image [1,C,H,W]")
	}
	n := max(opts.Repeats, 1)
	hw := x0.Shape[2] * x0.Shape[3]
	stage := opts
	// The code sums the feature loss over the repeats (FeatureLoss takes
	// their mean), beside priors summed over them too.
	c := m.C * float64(n)
	stage.Objective = IJCVObjective(Original(), c, m.Beta)
	stage.Optimizer = Projected{NewAdaGradMomentum(), RangeBPlus}
	stage.Schedule = IJCVSchedule(hw, m.Iters[0], 1)
	jitterOn(&stage, m.Jitter, append([]int{n}, x0.Shape[1:]...), func(c []int) *graph.Tensor { return IJCVInit(c, opts.Seed) }, nil)
	total := m.Iters[0] + m.Iters[1]
	stage.Progress = progressFrom(opts.Progress, 0, total)
	first, err := Reconstruct(ctx, rep, x0, stage)
	if err != nil || m.Iters[1] == 0 {
		return first, err
	}
	stage.Objective = IJCVObjective(Original(), c, m.Beta)
	stage.Optimizer = Projected{NewAdaGradMomentum(), RangeBPlus}
	stage.Schedule = IJCVSchedule(hw, m.Iters[1], 0.1)
	stage.Transform = nil
	stage.Init = first.Images
	stage.Progress = progressFrom(opts.Progress, m.Iters[0], total)
	second, err := Reconstruct(ctx, rep, x0, stage)
	if second == nil {
		return first, err
	}
	for i := range second.History {
		second.History[i].Iter += m.Iters[0]
	}
	second.History = append(first.History, second.History...)
	second.Backtracks += first.Backtracks
	second.MsPerIter = (first.MsPerIter*float64(m.Iters[0]) + second.MsPerIter*float64(m.Iters[1])) / float64(total)
	return second, err
}

// progressFrom reports a stage's iterations as those of the whole run.
func progressFrom(f func(Progress), offset, total int) func(Progress) {
	if f == nil {
		return nil
	}
	return func(p Progress) {
		p.Iter += offset
		p.Iters = total
		f(p)
	}
}
