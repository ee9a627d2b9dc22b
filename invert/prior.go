package invert

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// AlphaNorm is the α-norm prior Σ |x|^α over every element of every
// channel and repeat (the code's form, not a per-pixel colour norm).
type AlphaNorm struct{ Alpha float64 }

// Name implements Term.
func (a AlphaNorm) Name() string { return fmt.Sprintf("alpha%g", a.Alpha) }

// Build implements Term.
func (a AlphaNorm) Build(x, _ *graph.Node) (*graph.Node, error) {
	if a.Alpha < 1 {
		return nil, fmt.Errorf("α = %g must be at least 1", a.Alpha)
	}
	return graph.Apply(alphaNorm{alpha: a.Alpha}, x)
}

// imagePrior is what the priors' kernels share: a scalar of the image,
// differentiable, whose gradient they write whole.
type imagePrior struct{}

func (imagePrior) Diffable(int) bool { return true }

// Overwrites implements graph.Overwriter: the kernel writes the scalar and
// every element of the gradient.
func (imagePrior) Overwrites(bool, int) bool { return true }

func (imagePrior) OutShape([][]int) ([]int, error) { return nil, nil }

type alphaNorm struct {
	imagePrior
	alpha float64
}

func (k alphaNorm) String() string { return fmt.Sprintf("AlphaNorm(%g)", k.alpha) }

// pow is |v|^e, without math.Pow for the paper's α = 6 and its gradient's 5.
func (k alphaNorm) pow(v float64, e float64) float64 {
	v = math.Abs(v)
	switch e {
	case 6:
		v2 := v * v
		return v2 * v2 * v2
	case 5:
		v2 := v * v
		return v2 * v2 * v
	}
	return math.Pow(v, e)
}

// bands splits n elements (or rows) into pieces of about size for
// parallel.For.
func bands(n, size int) int { return max(1, (n+size-1)/size) }

// band is the number of elements one goroutine of a prior or loss takes.
const band = 1 << 15

// sumBands adds f over bands of [0, n) computed in parallel, in band
// order, so the sum does not depend on the number of cores.
func sumBands(n int, f func(lo, hi int) float64) float64 {
	nb := bands(n, band)
	part := make([]float64, nb)
	parallel.For(nb, func(b int) { part[b] = f(b*n/nb, (b+1)*n/nb) })
	s := 0.0
	for _, v := range part {
		s += v
	}
	return s
}

// eachBand runs f over bands of [0, n) in parallel.
func eachBand(n int, f func(lo, hi int)) {
	nb := bands(n, band)
	parallel.For(nb, func(b int) { f(b*n/nb, (b+1)*n/nb) })
}

// copyBands is copy(dst, src) for slices of equal length, in parallel: the
// safeguard keeps the best images and gradient every iteration.
func copyBands(dst, src []float32) {
	src = src[:len(dst)]
	eachBand(len(dst), func(lo, hi int) { copy(dst[lo:hi], src[lo:hi]) })
}

func (k alphaNorm) Forward(in []*graph.Tensor, out *graph.Tensor) {
	x := in[0].Data
	out.Data[0] = float32(sumBands(len(x), func(lo, hi int) float64 {
		s := 0.0
		if k.alpha == 6 {
			return vec.SumPow6(x[lo:hi])
		}
		for _, v := range x[lo:hi] {
			s += k.pow(float64(v), k.alpha)
		}
		return s
	}))
}

// Backward: ∂|v|^α/∂v = α·|v|^(α−1)·sign(v) = α·v^5 for α = 6.
func (k alphaNorm) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	g := float64(gout.Data[0])
	x := in[0].Data
	eachBand(len(x), func(lo, hi int) {
		d := gin.Data[lo:hi]
		if k.alpha == 6 {
			vec.ScaledPow5(d, x[lo:hi], float32(6*g))
			return
		}
		for i, v := range x[lo:hi] {
			dv := k.alpha * k.pow(float64(v), k.alpha-1)
			if v < 0 {
				dv = -dv
			}
			d[i] = float32(g * dv)
		}
	})
}

// TV is the V^β prior Σ ((x_{i,j+1} − x_{ij})² + (x_{i+1,j} − x_{ij})²)^{β/2},
// per channel and summed over channels and repeats, with the last row and
// column replicated (their differences are 0), as the authors' code.
type TV struct{ Beta float64 }

// Name implements Term.
func (t TV) Name() string { return fmt.Sprintf("tv%g", t.Beta) }

// Build implements Term.
func (t TV) Build(x, _ *graph.Node) (*graph.Node, error) {
	if len(x.Shape()) != 4 {
		return nil, fmt.Errorf("TV needs an [N,C,H,W] image, got %v", x.Shape())
	}
	if t.Beta <= 0 {
		return nil, fmt.Errorf("β = %g must be positive", t.Beta)
	}
	return graph.Apply(tv{beta: t.Beta}, x)
}

type tv struct {
	imagePrior
	beta float64
}

func (k tv) String() string { return fmt.Sprintf("TV(%g)", k.beta) }

// rowBands splits the image's planes into bands of rows for parallel.For:
// HOG inverts a single grey plane, so planes alone would leave a core idle.
func rowBands(x *graph.Tensor) (n, perPlane int) {
	h, w := x.Shape[2], x.Shape[3]
	perPlane = bands(h*w, band/2)
	perPlane = min(perPlane, h)
	return x.Shape[0] * x.Shape[1] * perPlane, perPlane
}

// weight is v^{β/2−1}·β, the factor of each difference in the gradient, with
// v floored at 1e-10 for β < 2 as the code does.
func (k tv) weight(v float64) float64 {
	if k.beta == 1 {
		return 1 / math.Sqrt(math.Max(v, 1e-10))
	}
	return k.beta * math.Pow(math.Max(v, 1e-10), k.beta/2-1)
}

// rowDiffs sets the forward differences of row i along the row (d1, 0 in
// the last column) and down the column (d2, 0 in the last row).
func rowDiffs(plane []float32, w, h, i int, d1, d2 []float64) {
	row := plane[i*w : (i+1)*w]
	for j := 0; j+1 < w; j++ {
		d1[j] = float64(row[j+1]) - float64(row[j])
	}
	d1[w-1] = 0
	if i+1 == h {
		clear(d2)
		return
	}
	below := plane[(i+1)*w : (i+2)*w]
	for j, v := range row {
		d2[j] = float64(below[j]) - float64(v)
	}
}

func (k tv) Forward(in []*graph.Tensor, out *graph.Tensor) {
	x := in[0]
	h, w := x.Shape[2], x.Shape[3]
	n, per := rowBands(x)
	part := make([]float64, n)
	parallel.For(n, func(b int) {
		plane := x.Data[b/per*h*w : (b/per+1)*h*w]
		d1, d2 := make([]float64, w), make([]float64, w)
		s := 0.0
		for i := b % per * h / per; i < (b%per+1)*h/per; i++ {
			if k.beta == 2 {
				// Straight from the pixels: a row's sum in float32, added
				// up in float64.
				row := plane[i*w : (i+1)*w]
				r := vec.SumSqDiff(row[1:], row[:w-1])
				if i+1 < h {
					r += vec.SumSqDiff(plane[(i+1)*w:(i+2)*w], row)
				}
				s += float64(r)
				continue
			}
			rowDiffs(plane, w, h, i, d1, d2)
			switch k.beta {
			case 1:
				for j, a := range d1 {
					s += math.Sqrt(a*a + d2[j]*d2[j])
				}
			default:
				for j, a := range d1 {
					s += math.Pow(a*a+d2[j]*d2[j], k.beta/2)
				}
			}
		}
		part[b] = s
	})
	s := 0.0
	for _, v := range part {
		s += v
	}
	out.Data[0] = float32(s)
}

// Backward: with v = d1² + d2², ∂v^{β/2}/∂d = β·v^{β/2−1}·d. Each pixel
// gathers −a − b of its own differences, a of its left neighbour's and b of
// the one above (a = weight·d1, b = weight·d2), so bands of rows are
// independent: a band recomputes the b of the row above it.
func (k tv) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	x := in[0]
	h, w := x.Shape[2], x.Shape[3]
	g := float64(gout.Data[0])
	n, per := rowBands(x)
	if k.beta == 2 {
		k.backward2(x, g, gin)
		return
	}
	parallel.For(n, func(b int) {
		plane := x.Data[b/per*h*w : (b/per+1)*h*w]
		grad := gin.Data[b/per*h*w : (b/per+1)*h*w]
		lo, hi := b%per*h/per, (b%per+1)*h/per
		as, bs, up := make([]float64, w), make([]float64, w), make([]float64, w)
		if lo > 0 {
			k.diffs(plane, w, h, lo-1, as, up)
		}
		for i := lo; i < hi; i++ {
			k.diffs(plane, w, h, i, as, bs)
			d := grad[i*w : (i+1)*w]
			left := 0.0
			for j := range d {
				d[j] = float32(g * (left + up[j] - as[j] - bs[j]))
				left = as[j]
			}
			up, bs = bs, up
		}
	})
}

// backward2 is the gradient for β = 2, a stencil straight from the pixels:
// 2g·(4x − the four neighbours), a missing neighbour (past the last row or
// column, replicated) standing for the pixel itself.
func (k tv) backward2(x *graph.Tensor, g float64, gin *graph.Tensor) {
	h, w := x.Shape[2], x.Shape[3]
	n, per := rowBands(x)
	c := float32(2 * g)
	parallel.For(n, func(b int) {
		plane := x.Data[b/per*h*w : (b/per+1)*h*w]
		grad := gin.Data[b/per*h*w : (b/per+1)*h*w]
		for i := b % per * h / per; i < (b%per+1)*h/per; i++ {
			row, d := plane[i*w:(i+1)*w], grad[i*w:(i+1)*w]
			up, down := row, row
			if i > 0 {
				up = plane[(i-1)*w : i*w]
			}
			if i+1 < h {
				down = plane[(i+1)*w : (i+2)*w]
			}
			vec.Laplace(d, row, up, down, c)
			for _, j := range [2]int{0, w - 1} {
				left, right := row[max(j-1, 0)], row[min(j+1, w-1)]
				d[j] = c * (4*row[j] - left - right - up[j] - down[j])
			}
		}
	})
}

// diffs sets a and b of row i (β ≠ 2: β = 2 has its own stencil).
func (k tv) diffs(plane []float32, w, h, i int, as, bs []float64) {
	rowDiffs(plane, w, h, i, as, bs)
	for j, a := range as {
		c := k.weight(a*a + bs[j]*bs[j])
		as[j], bs[j] = c*a, c*bs[j]
	}
}
