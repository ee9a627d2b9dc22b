package invert

import (
	"fmt"
	"math"
	"math/rand"
	"slices"

	"github.com/invrep/invrep/graph"
)

// The IJCV paper's constants, from the nnpreimage code (SPEC §2.2–2.3).
const (
	// RangeB is B, the bound of the natural range of a pixel's colour
	// vector (x0_sigma = 80).
	RangeB = 80
	// RangeBPlus is B₊ = 2B, the hard bound every pixel is projected to.
	RangeBPlus = 2 * RangeB
	// IJCVLR is the code's base learning rate 0.05·B²/α; each iteration
	// steps at H·W times it (SPEC §2.3).
	IJCVLR = 0.05 * RangeB * RangeB / Alpha
)

// IJCVObjective is the IJCV energy (SPEC §2.1–2.2): c·loss plus the
// bounded-range prior N_α with weight B^−α and the bounded-variation prior
// TV_β with weight (6.5/B)^β = B_V^−β, both averaged over the canvas's
// pixels. loss is the feature loss for inversion (c ∈ {1, 20, 100, 300})
// or an inner product for maximisation and caricatures (c = 1).
func IJCVObjective(loss Term, c, beta float64) Objective {
	return Scale(c, loss).Add(
		Scale(math.Pow(RangeB, -Alpha), PerPixel{ColorNorm{Alpha: Alpha}}),
		Scale(math.Pow(6.5/RangeB, beta), PerPixel{TV{Beta: beta}}))
}

// IJCVSchedule is the code's rate schedule for images of hw pixels: iters
// iterations at hw·η·factor (η = IJCVLR; 300 at factor 1 for the first
// stage, 50 at 0.1 for inversion's second).
func IJCVSchedule(hw, iters int, factor float64) Schedule {
	return Schedule{{Iters: iters, LR: float64(hw) * IJCVLR * factor}}
}

// IJCVInit is the code's start (SPEC §2.5): per repeat, uniform noise in
// (−1, 1) divided by its 0.95 quantile and scaled to B/√3, on shape
// [N,C,H,W] (the canvas).
func IJCVInit(shape []int, seed int64) *graph.Tensor {
	rng := rand.New(rand.NewSource(seed))
	x := graph.NewTensor(shape...)
	per := len(x.Data) / shape[0]
	for n := 0; n < shape[0]; n++ {
		v := x.Data[n*per : (n+1)*per]
		for i := range v {
			v[i] = float32(2*rng.Float64() - 1)
		}
		s := slices.Clone(v)
		slices.Sort(s)
		q := quantile(s, 0.95)
		for i := range v {
			v[i] = float32(float64(v[i]) / q * RangeB / math.Sqrt(3))
		}
	}
	return x
}

// quantile is MATLAB's quantile of sorted data: linear between the points
// at (i−0.5)/n.
func quantile(sorted []float32, p float64) float64 {
	n := len(sorted)
	pos := p*float64(n) - 0.5
	if pos <= 0 {
		return float64(sorted[0])
	}
	if pos >= float64(n-1) {
		return float64(sorted[n-1])
	}
	i := int(pos)
	f := pos - float64(i)
	return float64(sorted[i])*(1-f) + float64(sorted[i+1])*f
}

// PerPixel is a prior averaged over the image's pixels: Term divided by
// H·W of the variable it reads (the canvas, for a jittered run), as the
// IJCV code normalises its regularisers.
type PerPixel struct{ Term Term }

// Name implements Term.
func (p PerPixel) Name() string { return p.Term.Name() }

// Build implements Term.
func (p PerPixel) Build(x, phi *graph.Node) (*graph.Node, error) {
	s := x.Shape()
	if len(s) != 4 {
		return nil, fmt.Errorf("%s needs an [N,C,H,W] image, got %v", p.Term.Name(), s)
	}
	t, err := p.Term.Build(x, phi)
	if err != nil {
		return nil, err
	}
	return graph.Math(t, graph.FnScale, 1/float64(s[2]*s[3]), 0)
}

// ColorNorm is the bounded-range prior Σ_n Σ_v ‖x_n(v)‖^α over the pixels
// v, ‖·‖ the Euclidean norm of a pixel's colour vector (the IJCV code's
// l2 layer; the CVPR prior, AlphaNorm, takes each channel alone).
type ColorNorm struct{ Alpha float64 }

// Name implements Term.
func (a ColorNorm) Name() string { return fmt.Sprintf("range%g", a.Alpha) }

// Build implements Term.
func (a ColorNorm) Build(x, _ *graph.Node) (*graph.Node, error) {
	if len(x.Shape()) != 4 {
		return nil, fmt.Errorf("the range prior needs an [N,C,H,W] image, got %v", x.Shape())
	}
	if a.Alpha < 2 {
		return nil, fmt.Errorf("α = %g must be at least 2", a.Alpha)
	}
	return graph.Apply(colorNorm{alpha: a.Alpha}, x)
}

type colorNorm struct {
	imagePrior
	alpha float64
}

func (k colorNorm) String() string { return fmt.Sprintf("ColorNorm(%g)", k.alpha) }

// eachPixel calls f with each pixel's squared colour norm and its index
// (repeat n, offset i within a plane, plane size hw, channels c).
func eachPixel(x *graph.Tensor, f func(n, i, hw, c int, s float64)) {
	n, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	for r := 0; r < n; r++ {
		base := r * c * hw
		for i := 0; i < hw; i++ {
			s := 0.0
			for ch := 0; ch < c; ch++ {
				v := float64(x.Data[base+ch*hw+i])
				s += v * v
			}
			f(base, i, hw, c, s)
		}
	}
}

func (k colorNorm) Forward(in []*graph.Tensor, out *graph.Tensor) {
	total := 0.0
	eachPixel(in[0], func(_, _, _, _ int, s float64) { total += math.Pow(s, k.alpha/2) })
	out.Data[0] = float32(total)
}

// Backward: ∂(‖x‖²)^{α/2}/∂x_c = α·(‖x‖²)^{α/2−1}·x_c.
func (k colorNorm) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	g := float64(gout.Data[0])
	x := in[0].Data
	eachPixel(in[0], func(base, i, hw, c int, s float64) {
		w := g * k.alpha * math.Pow(s, k.alpha/2-1)
		for ch := 0; ch < c; ch++ {
			j := base + ch*hw + i
			gin.Data[j] = float32(w * float64(x[j]))
		}
	})
}

// AdaGradMomentum is the IJCV code's update (SPEC §2.3):
// G ← 0.9·G + g², µ ← 0.9·µ − g/(1/lr + √G), x ← x + µ. Reset clears the
// momentum only: the code meant to clear G too, but assigns to a
// misspelled variable (adagraD), so G carries over between stages; this
// keeps the code's behaviour.
type AdaGradMomentum struct {
	M, Rho  float64
	mu, acc []float64
}

// NewAdaGradMomentum returns the code's optimiser (momentum 0.9, decay 0.9).
func NewAdaGradMomentum() *AdaGradMomentum { return &AdaGradMomentum{M: 0.9, Rho: 0.9} }

// Step implements Optimizer.
func (o *AdaGradMomentum) Step(x, grad *graph.Tensor, lr float64) {
	if len(o.mu) != len(x.Data) {
		o.mu, o.acc = make([]float64, len(x.Data)), make([]float64, len(x.Data))
	}
	for i, gv := range grad.Data {
		g := float64(gv)
		o.acc[i] = o.Rho*o.acc[i] + g*g
		o.mu[i] = o.M*o.mu[i] - g/(1/lr+math.Sqrt(o.acc[i]))
		x.Data[i] = float32(float64(x.Data[i]) + o.mu[i])
	}
}

// Reset implements Optimizer: the momentum, not G (see the type).
func (o *AdaGradMomentum) Reset() { clear(o.mu) }

// Projected is an optimiser followed, after every step, by the IJCV hard
// constraint: each pixel's colour vector is scaled back to norm ≤ Radius
// (B₊ = 160).
type Projected struct {
	Optimizer
	Radius float64
}

// Step implements Optimizer.
func (p Projected) Step(x, grad *graph.Tensor, lr float64) {
	p.Optimizer.Step(x, grad, lr)
	ProjectBall(x, p.Radius)
}

// ProjectBall scales every pixel's colour vector of x [N,C,H,W] whose norm
// exceeds r back onto the sphere of radius r.
func ProjectBall(x *graph.Tensor, r float64) {
	eachPixel(x, func(base, i, hw, c int, s float64) {
		if s <= r*r {
			return
		}
		f := r / math.Sqrt(s)
		for ch := 0; ch < c; ch++ {
			j := base + ch*hw + i
			x.Data[j] = float32(float64(x.Data[j]) * f)
		}
	})
}

// Inner is the loss −⟨Φ(x_n), Φ0⟩ summed over the batch: activation
// maximisation with a one-hot Φ0, caricatures with Φ0 = Φ(x0)⁺/‖Φ(x0)⁺‖²
// (SPEC §2.1).
type Inner struct {
	Target *graph.Tensor // one image's features
}

// Name implements Term.
func (Inner) Name() string { return "inner" }

// Build implements Term.
func (l Inner) Build(_, phi *graph.Node) (*graph.Node, error) {
	return graph.Apply(inner{l.Target}, phi)
}

type inner struct{ target *graph.Tensor }

func (k inner) String() string            { return "Inner" }
func (k inner) Diffable(int) bool         { return true }
func (k inner) Overwrites(bool, int) bool { return true }
func (k inner) per(in [][]int) (int, bool) {
	n := graph.Numel(in[0][1:])
	return n, n == len(k.target.Data)
}

func (k inner) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) == 0 {
		return nil, fmt.Errorf("want one feature input, got %v", in)
	}
	if _, ok := k.per(in); !ok {
		return nil, fmt.Errorf("features %v do not match the reference %v", in[0], k.target.Shape)
	}
	return nil, nil
}

func (k inner) Forward(in []*graph.Tensor, out *graph.Tensor) {
	per := len(k.target.Data)
	s := 0.0
	for i, v := range in[0].Data {
		s += float64(v) * float64(k.target.Data[i%per])
	}
	out.Data[0] = float32(-s)
}

func (k inner) Backward(_ int, _ []*graph.Tensor, _, gout, gin *graph.Tensor) {
	per := len(k.target.Data)
	g := gout.Data[0]
	for i := range gin.Data {
		gin.Data[i] = -g * k.target.Data[i%per]
	}
}
