package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/vec"
)

// FeatureLoss is the normalised Euclidean loss of the paper,
// Σ_n ‖M⊙(Φ(x_n) − Φ0)‖² / (N·‖M⊙Φ0‖²) over a batch of N reconstructions:
// the mean relative feature error of the batch (as the authors' code, which
// replicates Φ0 N times before normalising).
type FeatureLoss struct {
	Target *graph.Tensor // Φ0, one image's features (batch dimension 1 or absent)
	Mask   *graph.Tensor // optional, shaped like Target; 1 = used
}

// Name implements Term.
func (FeatureLoss) Name() string { return "feature" }

// Build implements Term.
func (f FeatureLoss) Build(_, phi *graph.Node) (*graph.Node, error) {
	m := &matched{target: f.Target, mask: f.Mask}
	if err := m.normalise(); err != nil {
		return nil, err
	}
	return graph.Apply(featureLoss{m}, phi)
}

// matched is what the feature loss compares with: Φ0, its mask and the
// normaliser. It sits behind a pointer so that a run which measures Φ0
// itself (Reconstruct) fills it in after the graph is compiled.
type matched struct {
	target, mask *graph.Tensor
	den          float64 // ‖M⊙Φ0‖²
	// reference, when set, turns the measured Φ0 into what the loss
	// compares with, in place (a caricature's Φ0⁺/‖Φ0⁺‖²).
	reference func(t *graph.Tensor) error
}

// placeholder makes the target a zero image of phi's features, for the
// run to fill with the measured Φ0 before the first step.
func (m *matched) placeholder(phi *graph.Node) error {
	shape := phi.Shape()
	if len(shape) == 0 {
		return fmt.Errorf("the representation's output is a scalar, not features")
	}
	m.target = graph.NewTensor(append([]int{1}, shape[1:]...)...)
	return nil
}

// minNormaliser is the least ‖M⊙Φ0‖² an inversion accepts.
const minNormaliser = 1e-30

// normalise computes the normaliser ‖M⊙Φ0‖² from target and mask.
func (m *matched) normalise() error {
	if m.mask != nil && len(m.mask.Data) != len(m.target.Data) {
		return fmt.Errorf("mask has %d values, target %d", len(m.mask.Data), len(m.target.Data))
	}
	den := 0.0
	for i, v := range m.target.Data {
		w := float32(1)
		if m.mask != nil {
			w = m.mask.Data[i]
		}
		den += float64(w*v) * float64(w*v)
	}
	if den == 0 {
		return fmt.Errorf("the target features are all zero (under the mask): the normalised loss is undefined")
	}
	// Below this the loss's gradient, scaled by 1/‖Φ0‖², overflows float32
	// within a few layers of the backward pass (a random detector's last
	// 1×1 block gives values of 1e-25): numerically, nothing is left.
	if den < minNormaliser {
		return fmt.Errorf("the target features are numerically zero (‖Φ0‖² = %.3g under the mask, largest |value| %.3g): the layer keeps nothing of the photo that float32 can carry, and the normalised loss is undefined", den, m.target.MaxAbs())
	}
	m.den = den
	return nil
}

type featureLoss struct{ *matched }

func (k featureLoss) String() string    { return "FeatureLoss" }
func (k featureLoss) Diffable(int) bool { return true }

// Overwrites implements graph.Overwriter: it writes the scalar and every
// element of the gradient.
func (k featureLoss) Overwrites(bool, int) bool { return true }

func (k featureLoss) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) == 0 {
		return nil, fmt.Errorf("want one feature input, got %v", in)
	}
	per := graph.Numel(in[0][1:])
	if per != len(k.target.Data) {
		return nil, fmt.Errorf("features %v do not match the target %v", in[0], k.target.Shape)
	}
	return nil, nil
}

func (k featureLoss) Forward(in []*graph.Tensor, out *graph.Tensor) {
	per := len(k.target.Data)
	n := len(in[0].Data) / per
	s := sumBands(len(in[0].Data), func(lo, hi int) float64 {
		s := 0.0
		stretches(lo, hi, per, func(i, end, t int) {
			x, phi0 := in[0].Data[i:end], k.target.Data[t:]
			if k.mask == nil {
				// Float32 vector sums of 1024 squares at most, added in
				// float64: the scalar float64 loop was a third of a HOG
				// inversion's loss.
				for a := 0; a < len(x); a += 1024 {
					b := min(a+1024, len(x))
					s += float64(vec.SumSqDiff(x[a:b], phi0[a:b]))
				}
			} else {
				m := k.mask.Data[t:]
				for j, v := range x {
					d := float64(v) - float64(phi0[j])
					s += float64(m[j]) * d * d
				}
			}
		})
		return s
	})
	out.Data[0] = float32(s / (float64(n) * k.den))
}

func (k featureLoss) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	per := len(k.target.Data)
	n := len(in[0].Data) / per
	c := float32(2 * float64(gout.Data[0]) / (float64(n) * k.den))
	eachBand(len(in[0].Data), func(lo, hi int) {
		stretches(lo, hi, per, func(i, end, t int) {
			x, phi0, d := in[0].Data[i:end], k.target.Data[t:], gin.Data[i:end]
			if k.mask == nil {
				vec.ScaledDiff(d, x, phi0, c)
			} else {
				m := k.mask.Data[t:]
				for j, v := range x {
					d[j] = c * m[j] * (v - phi0[j])
				}
			}
		})
	})
}

// stretches splits [lo, hi) of a batch of repeats of per features each at
// the repeats' boundaries: f gets each stretch [i, end) and the index t in
// the target where it starts.
func stretches(lo, hi, per int, f func(i, end, t int)) {
	for i := lo; i < hi; {
		end := min(hi, i-i%per+per)
		f(i, end, i%per)
		i = end
	}
}

// Original is the feature loss against Φ0 = Φ(x0) that Reconstruct
// measures with its own compiled program, so that the representation is
// built once: put it in an objective given to Reconstruct (the paper's
// objective has it when none is given). It is built against a placeholder
// that the run fills in before the first step.
func Original() Term { return measuredLoss{&matched{}} }

type measuredLoss struct{ m *matched }

// Name implements Term: it is the feature loss.
func (measuredLoss) Name() string { return "feature" }

// Build implements Term.
func (l measuredLoss) Build(_, phi *graph.Node) (*graph.Node, error) {
	if err := l.m.placeholder(phi); err != nil {
		return nil, err
	}
	if l.m.mask != nil && len(l.m.mask.Data) != len(l.m.target.Data) {
		return nil, fmt.Errorf("mask has %d values, features %v", len(l.m.mask.Data), l.m.target.Shape)
	}
	l.m.den = 1
	return graph.Apply(featureLoss{l.m}, phi)
}
