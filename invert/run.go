package invert

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/vec"
)

// Options configure Invert and Reconstruct; what is not set defaults to
// the authors' CNN settings.
type Options struct {
	// ImageShape is one image's [C,H,W]. Invert needs it; Reconstruct
	// takes it from the photo x0.
	ImageShape []int
	// Iters is the number of iterations: the authors' CNN schedule
	// (CNNSchedule, 400 iterations) scaled to it, its stages in proportion.
	// Schedule, when set, is used instead.
	Iters int
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
	// MaskFor, with Reconstruct, makes the mask from the shape of one
	// image's features, once the representation is built (Mask is used
	// when it is nil).
	MaskFor func(featureShape []int) (*graph.Tensor, error)
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
	// Transform, when set, puts a transformation drawn anew every
	// iteration (Jitter) between the optimised canvas and Φ; the
	// representation must be Behind. Init is then canvas-shaped; the
	// result's Images are cut out of the canvas at rest.
	Transform Transform
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
	// Target is Φ0, the features matched (measured from x0 by Reconstruct;
	// the loss reads it, so it is not to be modified).
	Target *graph.Tensor
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
	return paperObjective(FeatureLoss{Target: target, Mask: mask}, tvPaper)
}

func paperObjective(loss Term, tvPaper float64) Objective {
	s2 := Sigma * Sigma
	return Scale(1, loss).
		Add(Scale(CodeTV(tvPaper)/2/s2, TV{Beta: Beta}),
			Scale(LambdaL2/2/s2, AlphaNorm{Alpha: Alpha}))
}

// Invert reconstructs images whose representation matches target. It
// honours ctx: on cancellation it returns the result so far with ctx's
// error. A divergent run returns the last finite images with an error that
// names the iteration and the term. With an Options.Objective that needs
// no target (Units: activation maximisation) target may be nil, and the
// result has no relative errors.
func Invert(ctx context.Context, rep Representation, target *graph.Tensor, opts Options) (*Result, error) {
	if target == nil && opts.Objective == nil {
		return nil, errors.New("no target: give Φ(x0), or call Reconstruct with x0")
	}
	return run(ctx, rep, target, nil, opts)
}

// Reconstruct inverts the representation of the images x0 ([1,C,H,W] in
// paper units): it builds the representation once, measures the target
// Φ(x0) with the program it then optimises (Result.Target), and runs as
// Invert does. The objective is the paper's unless Options.Objective is
// set, which must hold an Original() term (the loss against Φ(x0)). The
// mask, when the features' shape is needed to make it, comes from
// Options.MaskFor.
func Reconstruct(ctx context.Context, rep Representation, x0 *graph.Tensor, opts Options) (*Result, error) {
	if x0 == nil || len(x0.Shape) != 4 || x0.Shape[0] != 1 {
		return nil, fmt.Errorf("x0 must be one image [1,C,H,W]")
	}
	if opts.ImageShape == nil {
		opts.ImageShape = x0.Shape[1:]
	}
	if !slices.Equal(opts.ImageShape, x0.Shape[1:]) {
		return nil, fmt.Errorf("x0 %v does not match ImageShape %v", x0.Shape, opts.ImageShape)
	}
	return run(ctx, rep, nil, x0, opts)
}

// run sets up an inversion of the target, or of x0's features, and runs it.
func run(ctx context.Context, rep Representation, target, x0 *graph.Tensor, opts Options) (*Result, error) {
	r, err := newInversion(rep, target, x0, opts)
	if err != nil {
		return nil, err
	}
	defer r.prog.Close()
	return r.loop(ctx, opts)
}

// loop optimises the images from their start through the schedule,
// under the safeguard, then measures them.
func (r *inversion) loop(ctx context.Context, opts Options) (*Result, error) {
	total := r.sched.Iters()
	guard := newSafeguard(r.img.Shape, !opts.NoSafeguard)
	// The transformation's draws have their own generator, seeded apart
	// from the start's noise.
	draws := rand.New(rand.NewSource(opts.Seed ^ 0x5eed))
	var (
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
		if r.transform != nil {
			r.transform.Draw(draws)
		}
		e, ts, err := r.eval()
		if err != nil {
			return nil, err
		}
		var keep bool
		if e, ts, keep, iterationError = guard.check(t, e, ts, r); !keep {
			break
		}
		lr := r.sched.LR(t) * guard.scale
		if t > 0 && r.sched.LR(t) != r.sched.LR(t-1) {
			r.opt.Reset() // the code clears momentum when the rate changes
		}
		r.res.History = append(r.res.History, Record{Iter: t + 1, LR: lr, Energy: e, Terms: ts})
		r.opt.Step(r.img, r.grad, lr)
		times = append(times, float64(time.Since(t0).Microseconds())/1000)
		if opts.Progress != nil {
			el := time.Since(start)
			opts.Progress(Progress{Iter: t + 1, Iters: total, Energy: e, Terms: ts, TermNames: r.res.TermNames,
				Elapsed: el, Remaining: time.Duration(float64(el) / float64(t+1) * float64(total-t-1))})
		}
	}
	r.res.Backtracks = guard.backtracks
	if r.transform != nil {
		r.transform.Fix()
	}
	if iterationError == nil || errors.Is(iterationError, context.Canceled) || errors.Is(iterationError, context.DeadlineExceeded) {
		mask := r.mask
		if m, ok := r.obj.featureMask(); ok {
			mask = m
		}
		// Without a target (activation maximisation) there is no error.
		if r.res.Target != nil {
			if err := r.finalErrors(r.res.Target, mask); err != nil {
				return nil, err
			}
		}
	}
	r.res.Images = r.img
	switch {
	case r.imageOut > 0:
		if err := r.prog.Run(r.img); err != nil {
			return nil, err
		}
		images, err := r.prog.Output(r.imageOut)
		if err != nil {
			return nil, err
		}
		r.res.Images = images
	case r.transform != nil:
		r.res.Images = r.transform.Image(r.img)
	}
	r.res.MsPerIter = median(times)
	if opts.Profile {
		r.res.Profile = r.prog.Profile()
	}
	return r.res, iterationError
}

// inversion is one run's state: the compiled program, the objective, the
// optimiser and schedule, the images and their gradient.
type inversion struct {
	prog      *graph.Program
	obj       Objective
	terms     int // the objective's terms, the program's first outputs
	opt       Optimizer
	sched     Schedule
	mask      *graph.Tensor
	transform Transform
	// imageOut, when positive, is the program output holding the images
	// (a visualisation optimises their parameters).
	imageOut  int
	img, grad *graph.Tensor // the canvas (or parameters) and its gradient
	res       *Result
}

// newInversion checks the options and what the run will match, builds the
// representation for the batch, compiles the energy and sets the start.
// Given x0 instead of a target, it measures the target with the compiled
// program.
func newInversion(rep Representation, target, x0 *graph.Tensor, opts Options) (*inversion, error) {
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
	r := &inversion{sched: opts.Schedule, obj: opts.Objective, opt: opts.Optimizer, mask: opts.Mask}
	if r.sched == nil {
		r.sched = CNNSchedule
		if opts.Iters != 0 {
			s, err := CNNSchedule.Scaled(opts.Iters)
			if err != nil {
				return nil, fmt.Errorf("iters: %w", err)
			}
			r.sched = s
		}
	}
	if r.sched.Iters() <= 0 {
		return nil, errors.New("the schedule has no iterations")
	}
	// NaN or Inf in what the run matches makes every energy NaN: found here
	// and named, not reported as a divergence at iteration 1.
	if err := nonFiniteTarget(target); err != nil {
		return nil, err
	}
	if err := nonFiniteMask(r.mask); err != nil {
		return nil, err
	}
	if r.opt == nil {
		r.opt = NewMomentumSGD()
	}
	shape := append([]int{n}, opts.ImageShape...)
	canvas := shape
	var g *graph.Graph
	var phi *graph.Node
	var err error
	if r.transform = opts.Transform; r.transform != nil {
		behind, ok := rep.(Behind)
		if !ok {
			return nil, fmt.Errorf("%T cannot be built behind a transformation (jitter)", rep)
		}
		canvas = r.transform.Canvas(shape)
		r.transform.Fix()
		g, phi, err = behind.BuildBehind(canvas, func(x *graph.Node) (*graph.Node, error) { return r.transform.Build(x, shape) })
	} else {
		g, phi, err = rep.Build(shape)
	}
	if err != nil {
		return nil, err
	}
	if s := phi.Shape(); len(s) > 0 && s[0] != n {
		if phi, err = batchFirst(phi, n); err != nil {
			return nil, err
		}
		if target != nil && len(target.Data) == graph.Numel(phi.Shape()) {
			target = &graph.Tensor{Shape: phi.Shape(), Data: target.Data}
		}
	}
	x := g.InputNode()
	if x == nil {
		return nil, errors.New("representation graph has no input")
	}
	var measured *matched
	if x0 != nil {
		if opts.MaskFor != nil && len(phi.Shape()) > 0 {
			if r.mask, err = opts.MaskFor(append([]int{1}, phi.Shape()[1:]...)); err != nil {
				return nil, err
			}
			if err := nonFiniteMask(r.mask); err != nil {
				return nil, err
			}
		}
		if r.obj == nil {
			r.obj = paperObjective(Original(), opts.TV)
		}
		if measured = r.obj.original(); measured == nil {
			return nil, errors.New("Reconstruct's objective has no Original() term to measure")
		}
		measured.mask = r.mask
	} else if r.obj == nil {
		r.obj = PaperObjective(target, r.mask, opts.TV)
	} else if r.obj.original() != nil {
		return nil, errors.New("an Original() term is measured by Reconstruct, not Invert")
	}
	energy, terms, err := r.obj.build(x, phi)
	if err != nil {
		return nil, err
	}
	if r.prog, err = g.Compile(energy, append(terms, phi)...); err != nil {
		return nil, err
	}
	r.terms = len(terms)
	r.res = &Result{Objective: r.obj, Target: target}
	for _, t := range r.obj {
		r.res.TermNames = append(r.res.TermNames, t.Term.Name())
	}
	if measured != nil {
		if err := r.measure(x0, n, measured); err != nil {
			r.prog.Close()
			return nil, err
		}
	}
	if opts.Profile {
		r.prog.EnableProfile()
	}
	r.img = opts.Init
	switch {
	case r.img == nil:
		r.img = NoiseInit(canvas, opts.Seed)
	case !slices.Equal(r.img.Shape, canvas):
		r.prog.Close()
		return nil, fmt.Errorf("initial images %v, want %v", r.img.Shape, canvas)
	default:
		r.img = r.img.Clone()
	}
	// The gradient lives in a buffer reused every iteration: a copy per
	// iteration is garbage the collector lets pile up to the size of the
	// model's weights.
	r.grad = graph.NewTensor(canvas...)
	return r, nil
}

// measure runs the program once at x0 (repeated over the batch) and makes
// the first image's features the target the loss matches.
func (r *inversion) measure(x0 *graph.Tensor, n int, m *matched) error {
	if r.transform != nil {
		x0 = r.transform.Place(x0)
	}
	batch := x0
	if n > 1 {
		batch = graph.NewTensor(append([]int{n}, x0.Shape[1:]...)...)
		for i := 0; i < n; i++ {
			copy(batch.Data[i*len(x0.Data):], x0.Data)
		}
	}
	if err := r.prog.Run(batch); err != nil {
		return err
	}
	phi, err := r.prog.Output(r.terms)
	if err != nil {
		return err
	}
	copy(m.target.Data, phi.Data)
	if err := nonFiniteTarget(m.target); err != nil {
		return err
	}
	r.res.Target = m.target
	if m.reference != nil {
		// A caricature matches Φ0⁺/‖Φ0⁺‖²; the target stays Φ0.
		r.res.Target = m.target.Clone()
		return m.reference(m.target)
	}
	return m.normalise()
}

func nonFiniteTarget(t *graph.Tensor) error {
	if k, v, ok := firstNonFinite(t); ok {
		return fmt.Errorf("the target Φ(x0) holds %v at index %d (the representation computed it from the image: check the model's weights)", v, k)
	}
	return nil
}

func nonFiniteMask(t *graph.Tensor) error {
	if k, v, ok := firstNonFinite(t); ok {
		return fmt.Errorf("the mask holds %v at index %d", v, k)
	}
	return nil
}

// eval runs the program at the images: the energy, each weighted term,
// and the gradient (into r.grad).
func (r *inversion) eval() (float64, []float64, error) {
	if err := r.prog.Run(r.img); err != nil {
		return 0, nil, err
	}
	e, err := r.prog.Loss()
	if err != nil {
		return 0, nil, err
	}
	ts := make([]float64, r.terms)
	for i := range ts {
		v, err := r.prog.Output(i)
		if err != nil {
			return 0, nil, err
		}
		ts[i] = r.obj[i].W * float64(v.Data[0])
	}
	return e, ts, r.prog.InputGradTo(r.grad)
}

// finalErrors measures the final images with a fresh pass: the reported
// relative errors.
func (r *inversion) finalErrors(target, mask *graph.Tensor) error {
	if err := r.prog.Run(r.img); err != nil {
		return err
	}
	feats, err := r.prog.Output(r.terms)
	if err != nil {
		return err
	}
	r.res.RelErr, err = RelativeErrors(feats, target, mask)
	return err
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
// The safeguard asks it of every gradient: a vector sum comes first,
// finite whenever every value is (unless it overflows), and the scan for
// the index only where it is not (a plain scan was a twentieth of a HOG
// iteration).
func firstNonFinite(t *graph.Tensor) (int, float32, bool) {
	if t == nil {
		return 0, 0, false
	}
	s := sumBands(len(t.Data), func(lo, hi int) float64 {
		s, _ := vec.SumSq(t.Data[lo:hi], 0)
		return float64(s)
	})
	if s == s && s <= math.MaxFloat32 && s >= -math.MaxFloat32 {
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
