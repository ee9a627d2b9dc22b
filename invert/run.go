package invert

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"time"

	"github.com/invrep/invrep/graph"
)

// Options configure Invert. ImageShape is required; the rest defaults to
// the authors' CNN settings.
type Options struct {
	// ImageShape is one image's [C,H,W].
	ImageShape []int
	// Repeats is the number of reconstructions from different random
	// starts, optimised together as one batch (default 1).
	Repeats int
	// Seed seeds the initial noise.
	Seed int64
	// Schedule of learning rates (default CNNSchedule).
	Schedule Schedule
	// TV is the paper's λ_Vβ, used by the default objective.
	TV float64
	// Mask selects the features the loss uses (shaped like the target).
	Mask *graph.Tensor
	// Objective replaces the paper's objective when set.
	Objective Objective
	// Optimizer replaces the authors' momentum SGD when set.
	Optimizer Optimizer
	// Init replaces the random initialisation ([N,C,H,W], paper units).
	Init *graph.Tensor
	// NoSafeguard runs the authors' fixed steps even when they diverge.
	NoSafeguard bool
	// Progress, when set, is called after every iteration.
	Progress func(Progress)
	// Profile times every op; the times come back in Result.Profile.
	Profile bool
}

// Progress reports one iteration.
type Progress struct {
	Iter, Iters int
	Energy      float64
	Terms       []float64 // weighted, in the objective's order
	TermNames   []string
	Elapsed     time.Duration
	Remaining   time.Duration
}

// Record is one iteration of the loss history.
type Record struct {
	Iter   int       `json:"iter"`
	LR     float64   `json:"lr"`
	Energy float64   `json:"energy"`
	Terms  []float64 `json:"terms"` // weighted, in TermNames order
}

// Result of an inversion.
type Result struct {
	// Images are the reconstructions [N,C,H,W] in paper units, unclipped.
	Images    *graph.Tensor
	TermNames []string
	History   []Record
	// RelErr is ‖Φ(x_n) − Φ0‖²/‖Φ0‖² per reconstruction (over the mask),
	// from a fresh forward pass of Images.
	RelErr []float64
	// MsPerIter is the median time of one iteration (forward, input
	// gradient and update).
	MsPerIter float64
	// Backtracks counts steps the safeguard rejected.
	Backtracks int
	// Objective is the energy that was minimised.
	Objective Objective
	// Profile is the time spent per kind of op, the longest first, with
	// Options.Profile (it includes the final evaluation).
	Profile []graph.OpTime
}

// Growth is the safeguard's threshold: when the energy becomes NaN or Inf,
// or exceeds Growth times the lowest energy seen so far, the run returns to
// the lowest-energy iterate, clears the momentum and halves the learning
// rate for the rest of the run. Momentum makes the energy of a converging
// run rise now and then, but not tenfold above its best, so converging runs
// of the paper's settings keep the authors' trajectory; a diverging one
// (growing geometrically towards Inf) is caught within a few steps.
const Growth = 10

// maxBacktracks bounds the safeguard before a run is declared divergent.
const maxBacktracks = 60

// PaperObjective is the paper's energy in the code's units: the
// normalised feature loss, plus (λTV/2)/σ²·TV_β and (λL2/2)/σ²·Σx^α, with
// tvPaper the paper's λ_Vβ.
func PaperObjective(target, mask *graph.Tensor, tvPaper float64) Objective {
	s2 := Sigma * Sigma
	return Scale(1, FeatureLoss{Target: target, Mask: mask}).
		Add(Scale(CodeTV(tvPaper)/2/s2, TV{Beta: Beta}),
			Scale(LambdaL2/2/s2, AlphaNorm{Alpha: Alpha}))
}

// Invert reconstructs images whose representation matches target. It
// honours ctx: on cancellation it returns the result so far with ctx's
// error. A divergent run returns the last finite images with an error that
// names the iteration and the term.
func Invert(ctx context.Context, rep Representation, target *graph.Tensor, opts Options) (*Result, error) {
	if len(opts.ImageShape) != 3 {
		return nil, fmt.Errorf("ImageShape must be [C,H,W], got %v", opts.ImageShape)
	}
	n := opts.Repeats
	if n == 0 {
		n = 1
	}
	if n < 0 {
		return nil, fmt.Errorf("repeats %d must be positive", n)
	}
	sched := opts.Schedule
	if sched == nil {
		sched = CNNSchedule
	}
	if sched.Iters() <= 0 {
		return nil, errors.New("the schedule has no iterations")
	}
	// NaN or Inf in what the run matches makes every energy NaN: found here
	// and named, not reported as a divergence at iteration 1.
	if k, v, ok := firstNonFinite(target); ok {
		return nil, fmt.Errorf("the target Φ(x0) holds %v at index %d (the representation computed it from the image: check the model's weights)", v, k)
	}
	if opts.Mask != nil {
		if k, v, ok := firstNonFinite(opts.Mask); ok {
			return nil, fmt.Errorf("the mask holds %v at index %d", v, k)
		}
	}
	obj := opts.Objective
	if obj == nil {
		obj = PaperObjective(target, opts.Mask, opts.TV)
	}
	opt := opts.Optimizer
	if opt == nil {
		opt = NewMomentumSGD()
	}
	shape := append([]int{n}, opts.ImageShape...)
	g, phi, err := rep.Build(shape)
	if err != nil {
		return nil, err
	}
	x := g.InputNode()
	if x == nil {
		return nil, errors.New("representation graph has no input")
	}
	energy, terms, err := obj.build(x, phi)
	if err != nil {
		return nil, err
	}
	prog, err := g.Compile(energy, append(terms, phi)...)
	if err != nil {
		return nil, err
	}
	defer prog.Close()
	if opts.Profile {
		prog.EnableProfile()
	}

	img := opts.Init
	if img == nil {
		img = NoiseInit(shape, opts.Seed)
	} else {
		if graph.ShapeString(img.Shape) != graph.ShapeString(shape) {
			return nil, fmt.Errorf("initial images %v, want %v", img.Shape, shape)
		}
		img = img.Clone()
	}
	res := &Result{Objective: obj}
	for _, t := range obj {
		res.TermNames = append(res.TermNames, t.Term.Name())
	}
	// The gradient, the best images and their gradient live in buffers
	// reused every iteration: a copy per iteration is garbage the
	// collector lets pile up to the size of the model's weights.
	grad, best, bestG := graph.NewTensor(shape...), graph.NewTensor(shape...), graph.NewTensor(shape...)
	haveBest := false
	eval := func() (float64, []float64, *graph.Tensor, error) {
		if err := prog.Run(img); err != nil {
			return 0, nil, nil, err
		}
		e, err := prog.Loss()
		if err != nil {
			return 0, nil, nil, err
		}
		ts := make([]float64, len(terms))
		for i := range terms {
			v, err := prog.Output(i)
			if err != nil {
				return 0, nil, nil, err
			}
			ts[i] = obj[i].W * float64(v.Data[0])
		}
		return e, ts, grad, prog.InputGradTo(grad)
	}

	total := sched.Iters()
	var (
		scale          = 1.0
		bestE          = math.Inf(1) // energy of best, the lowest so far
		bestTerms      []float64
		times          []float64
		start          = time.Now()
		iterationError error
	)
	for t := 0; t < total; t++ {
		if err := ctx.Err(); err != nil {
			iterationError = err
			break
		}
		t0 := time.Now()
		e, ts, gr, err := eval()
		if err != nil {
			return nil, err
		}
		// A NaN gradient with a finite energy (a NaN weight behind a Relu
		// that zeroes it forward) would send the images to NaN: a bad step
		// as much as a NaN energy.
		_, gv, gradBad := firstNonFinite(gr)
		if gradBad {
			e = math.NaN()
		}
		if !finite(e) || (!opts.NoSafeguard && e > Growth*bestE) {
			if opts.NoSafeguard || !haveBest || res.Backtracks >= maxBacktracks {
				if haveBest {
					img = best
				}
				iterationError = divergence(t, e, ts, res.TermNames)
				if gradBad {
					iterationError = fmt.Errorf("%w at iteration %d: the gradient holds %v; the lowest-energy images so far are kept", ErrDiverged, t+1, gv)
				}
				break
			}
			// Undo: back to the best iterate, no momentum, half the step.
			res.Backtracks++
			copy(img.Data, best.Data)
			copy(gr.Data, bestG.Data)
			e, ts = bestE, bestTerms
			scale /= 2
			opt.Reset()
		}
		if e < bestE {
			copy(best.Data, img.Data)
			copy(bestG.Data, gr.Data)
			bestE, bestTerms, haveBest = e, ts, true
		}
		lr := sched.LR(t) * scale
		if t > 0 && sched.LR(t) != sched.LR(t-1) {
			opt.Reset() // the code clears momentum when the rate changes
		}
		res.History = append(res.History, Record{Iter: t + 1, LR: lr, Energy: e, Terms: ts})
		opt.Step(img, gr, lr)
		times = append(times, float64(time.Since(t0).Microseconds())/1000)
		if opts.Progress != nil {
			el := time.Since(start)
			opts.Progress(Progress{Iter: t + 1, Iters: total, Energy: e, Terms: ts, TermNames: res.TermNames,
				Elapsed: el, Remaining: time.Duration(float64(el) / float64(t+1) * float64(total-t-1))})
		}
	}
	if iterationError == nil || errors.Is(iterationError, context.Canceled) || errors.Is(iterationError, context.DeadlineExceeded) {
		// A fresh pass at the final images gives the reported error.
		if err := prog.Run(img); err != nil {
			return nil, err
		}
		feats, err := prog.Output(len(terms))
		if err != nil {
			return nil, err
		}
		if res.RelErr, err = RelativeErrors(feats, target, opts.Mask); err != nil {
			return nil, err
		}
	}
	res.Images = img
	res.MsPerIter = median(times)
	if opts.Profile {
		res.Profile = prog.Profile()
	}
	return res, iterationError
}

// ErrDiverged is returned (wrapped) when the energy became NaN or Inf.
var ErrDiverged = errors.New("inversion diverged")

func divergence(t int, e float64, ts []float64, names []string) error {
	for i, v := range ts {
		if !finite(v) {
			return fmt.Errorf("%w at iteration %d: the %s term is %v; the lowest-energy images so far are kept", ErrDiverged, t+1, names[i], v)
		}
	}
	if !finite(e) {
		return fmt.Errorf("%w at iteration %d: the energy is %v; the lowest-energy images so far are kept", ErrDiverged, t+1, e)
	}
	return fmt.Errorf("%w at iteration %d: the energy keeps growing (%.4g) after %d backtracks; the lowest-energy images so far are kept", ErrDiverged, t+1, e, maxBacktracks)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// firstNonFinite returns the index and value of t's first NaN or Inf.
func firstNonFinite(t *graph.Tensor) (int, float32, bool) {
	if t == nil {
		return 0, 0, false
	}
	for k, v := range t.Data {
		if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
			return k, v, true
		}
	}
	return 0, 0, false
}

// NoiseInit is the code's initialisation: Gaussian noise over the whole
// [N,C,H,W] block, scaled to Frobenius norm σ.
func NoiseInit(shape []int, seed int64) *graph.Tensor {
	rng := rand.New(rand.NewSource(seed))
	x := graph.NewTensor(shape...)
	s := 0.0
	for i := range x.Data {
		v := rng.NormFloat64()
		x.Data[i] = float32(v)
		s += v * v
	}
	f := float32(Sigma / math.Sqrt(s))
	for i := range x.Data {
		x.Data[i] *= f
	}
	return x
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
