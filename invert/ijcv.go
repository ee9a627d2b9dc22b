package invert

import (
	"fmt"
	"math"
	"math/rand"
	"slices"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/vec"
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

// pixelBands runs f over bands [lo, hi) of the batch's pixels on all
// cores and sums what it returns.
func pixelBands(x *graph.Tensor, f func(lo, hi int) float64) float64 {
	return sumBands(x.Shape[0]*x.Shape[2]*x.Shape[3], f)
}

// pow is s^e for the squared norm s, without math.Pow for the code's
// α = 6 (s³, and s² in the gradient).
func (k colorNorm) pow(s, e float64) float64 {
	switch e {
	case 3:
		return s * s * s
	case 2:
		return s * s
	}
	return math.Pow(s, e)
}

func (k colorNorm) Forward(in []*graph.Tensor, out *graph.Tensor) {
	out.Data[0] = float32(eachStretch(in[0], func(_, _, _ int, sq []float32) float64 {
		total := 0.0
		if k.alpha == 6 {
			for _, v := range sq {
				s := float64(v)
				total += s * s * s
			}
			return total
		}
		for _, v := range sq {
			total += k.pow(float64(v), k.alpha/2)
		}
		return total
	}))
}

// eachStretch runs f on all cores over stretches of one repeat's pixels
// (its first pixel's offset base+i, the stretch's length n, the pixels'
// squared colour norms sq, computed channel by channel straight through
// the planes) and sums what it returns.
func eachStretch(x *graph.Tensor, f func(base, i, n int, sq []float32) float64) float64 {
	c, hw := x.Shape[1], x.Shape[2]*x.Shape[3]
	return pixelBands(x, func(lo, hi int) float64 {
		total := 0.0
		var sq []float32
		for p := lo; p < hi; {
			base, i := p/hw*c*hw, p%hw
			end := min(hi-p, hw-i)
			sq = squaredNorms(sq[:0], x.Data[base+i:], hw, c, end)
			total += f(base, i, end, sq)
			p += end
		}
		return total
	})
}

// squaredNorms appends the squared colour norms of n pixels whose first
// channel starts at x[0], planes hw apart.
func squaredNorms(dst []float32, x []float32, hw, c, n int) []float32 {
	if cap(dst) < n {
		dst = make([]float32, n, max(n, band))
	}
	dst = dst[:n]
	clear(dst)
	for ch := 0; ch < c; ch++ {
		plane := x[ch*hw : ch*hw+n]
		for j, v := range plane {
			dst[j] += v * v
		}
	}
	return dst
}

// Backward: ∂(‖x‖²)^{α/2}/∂x_c = α·(‖x‖²)^{α/2−1}·x_c.
func (k colorNorm) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	x := in[0]
	g := float64(gout.Data[0])
	c, hw := x.Shape[1], x.Shape[2]*x.Shape[3]
	eachStretch(x, func(base, i, n int, sq []float32) float64 {
		if k.alpha == 6 {
			w := float32(6 * g)
			for j, v := range sq {
				sq[j] = w * v * v
			}
		} else {
			for j, v := range sq {
				sq[j] = float32(g * k.alpha * k.pow(float64(v), k.alpha/2-1))
			}
		}
		for ch := 0; ch < c; ch++ {
			o := base + ch*hw + i
			src, dst := x.Data[o:o+n], gin.Data[o:o+n]
			for j, v := range src {
				dst[j] = sq[j] * v
			}
		}
		return 0
	})
}

// AdaGradMomentum is the IJCV code's update (SPEC §2.3):
// G ← 0.9·G + g², µ ← 0.9·µ − g/(1/lr + √G), x ← x + µ. Reset clears the
// momentum only: the code meant to clear G too, but assigns to a
// misspelled variable (adagraD), so G carries over between stages; this
// keeps the code's behaviour.
type AdaGradMomentum struct {
	M, Rho  float64
	mu, acc []float32
}

// NewAdaGradMomentum returns the code's optimiser (momentum 0.9, decay 0.9).
func NewAdaGradMomentum() *AdaGradMomentum { return &AdaGradMomentum{M: 0.9, Rho: 0.9} }

// Step implements Optimizer.
func (o *AdaGradMomentum) Step(x, grad *graph.Tensor, lr float64) {
	if len(o.mu) != len(x.Data) {
		o.mu, o.acc = make([]float32, len(x.Data)), make([]float32, len(x.Data))
	}
	m, rho, inv := float32(o.M), float32(o.Rho), float32(1/lr)
	eachBand(len(x.Data), func(lo, hi int) {
		vec.AdaGrad(x.Data[lo:hi], o.mu[lo:hi], o.acc[lo:hi], grad.Data[lo:hi], m, rho, inv)
	})
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
	c, hw := x.Shape[1], x.Shape[2]*x.Shape[3]
	r2 := float32(r * r)
	eachStretch(x, func(base, i, _ int, sq []float32) float64 {
		for j, s := range sq {
			if s > r2 {
				f := float32(r / math.Sqrt(float64(s)))
				for ch := 0; ch < c; ch++ {
					x.Data[base+ch*hw+i+j] *= f
				}
			}
		}
		return 0
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

// per reports whether the reference fits: one image's features (shared
// by the batch) or the whole batch's (one reference per image).
func (k inner) per(in [][]int) (int, bool) {
	n := graph.Numel(in[0][1:])
	return n, n == len(k.target.Data) || graph.Numel(in[0]) == len(k.target.Data)
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
	for lo := 0; lo < len(in[0].Data); lo += per {
		s += float64(vec.Dot(in[0].Data[lo:lo+per], k.target.Data))
	}
	out.Data[0] = float32(-s)
}

func (k inner) Backward(_ int, _ []*graph.Tensor, _, gout, gin *graph.Tensor) {
	per := len(k.target.Data)
	g := -gout.Data[0]
	for lo := 0; lo < len(gin.Data); lo += per {
		d := gin.Data[lo : lo+per]
		for i, t := range k.target.Data {
			d[i] = g * t
		}
	}
}
