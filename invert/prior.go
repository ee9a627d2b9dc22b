package invert

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
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
	return graph.Apply(alphaNorm{a.Alpha}, x)
}

type alphaNorm struct{ alpha float64 }

func (k alphaNorm) String() string                     { return fmt.Sprintf("AlphaNorm(%g)", k.alpha) }
func (k alphaNorm) Diffable(int) bool                  { return true }
func (k alphaNorm) OutShape(in [][]int) ([]int, error) { return nil, nil }

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

func (k alphaNorm) Forward(in []*graph.Tensor, out *graph.Tensor) {
	s := 0.0
	for _, v := range in[0].Data {
		s += k.pow(float64(v), k.alpha)
	}
	out.Data[0] = float32(s)
}
func (k alphaNorm) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	g := float64(gout.Data[0])
	for i, v := range in[0].Data {
		d := k.alpha * k.pow(float64(v), k.alpha-1)
		if v < 0 {
			d = -d
		}
		gin.Data[i] = float32(g * d)
	}
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
	return graph.Apply(tv{t.Beta}, x)
}

type tv struct{ beta float64 }

func (k tv) String() string                     { return fmt.Sprintf("TV(%g)", k.beta) }
func (k tv) Diffable(int) bool                  { return true }
func (k tv) OutShape(in [][]int) ([]int, error) { return nil, nil }

// walk calls f(o, d1, d2) for every pixel offset o with its forward
// differences along the row (d1, to the right) and the column (d2, down).
func (k tv) walk(x *graph.Tensor, f func(o int, d1, d2 float64)) {
	h, w := x.Shape[2], x.Shape[3]
	for p := 0; p < x.Shape[0]*x.Shape[1]; p++ {
		base := p * h * w
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				o := base + i*w + j
				var d1, d2 float64
				if j+1 < w {
					d1 = float64(x.Data[o+1]) - float64(x.Data[o])
				}
				if i+1 < h {
					d2 = float64(x.Data[o+w]) - float64(x.Data[o])
				}
				f(o, d1, d2)
			}
		}
	}
}

func (k tv) Forward(in []*graph.Tensor, out *graph.Tensor) {
	s := 0.0
	if k.beta == 2 {
		k.walk(in[0], func(_ int, d1, d2 float64) { s += d1*d1 + d2*d2 })
	} else {
		k.walk(in[0], func(_ int, d1, d2 float64) { s += math.Pow(d1*d1+d2*d2, k.beta/2) })
	}
	out.Data[0] = float32(s)
}

// Backward: with v = d1² + d2², ∂v^{β/2}/∂d = β·v^{β/2−1}·d; for β < 2 the
// weight uses max(v, 1e-10) as the code floors it.
func (k tv) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	x := in[0]
	w := x.Shape[3]
	g := float64(gout.Data[0])
	acc := make([]float64, len(gin.Data))
	k.walk(x, func(o int, d1, d2 float64) {
		c := k.beta
		if k.beta != 2 {
			c *= math.Pow(math.Max(d1*d1+d2*d2, 1e-10), k.beta/2-1)
		}
		a, b := c*d1, c*d2
		if o%w+1 < w {
			acc[o+1] += a
			acc[o] -= a
		}
		if (o/w)%x.Shape[2]+1 < x.Shape[2] {
			acc[o+w] += b
			acc[o] -= b
		}
	})
	for i, v := range acc {
		gin.Data[i] = float32(g * v)
	}
}
