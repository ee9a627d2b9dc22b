package invert

import (
	"context"
	"errors"
	"fmt"

	"github.com/invrep/invrep/graph"
)

// OriginalCaricature is the IJCV caricature loss −⟨Φ(x), Φ0⁺⟩/‖Φ0⁺‖²
// (SPEC §2.1), Φ0 = Φ(x0) measured by Reconstruct; run from x0 itself
// (Options.Init), it exaggerates what the layer sees in the photo.
func OriginalCaricature() Term {
	m := &matched{}
	m.reference = positivePart
	return measuredCaricature{m}
}

type measuredCaricature struct{ m *matched }

// Name implements Term.
func (measuredCaricature) Name() string { return "caricature" }

// Build implements Term: the inner product with the reference the run
// fills in.
func (l measuredCaricature) Build(_, phi *graph.Node) (*graph.Node, error) {
	if err := l.m.placeholder(phi); err != nil {
		return nil, err
	}
	return graph.Apply(inner{l.m.target}, phi)
}

// positivePart turns Φ0 into Φ0⁺/‖Φ0⁺‖², in place.
func positivePart(t *graph.Tensor) error {
	s := 0.0
	for i, v := range t.Data {
		v = max(v, 0)
		t.Data[i] = v
		s += float64(v) * float64(v)
	}
	if s == 0 {
		return errors.New("the photo's features are nowhere positive: a caricature has nothing to exaggerate")
	}
	for i := range t.Data {
		t.Data[i] = float32(float64(t.Data[i]) / s)
	}
	return nil
}

// Caricature is the IJCV caricature method: from x0 itself on a jitter
// canvas (the rest zero), one stage of Iters iterations at η with jitter J,
// the IJCV energy with the caricature loss at weight 1.
type Caricature struct {
	Beta   float64
	Jitter int
	Iters  int
}

// Reconstruct implements Method.
func (m Caricature) Reconstruct(ctx context.Context, rep Representation, x0 *graph.Tensor, opts Options) (*Result, error) {
	if x0 == nil || len(x0.Shape) != 4 || x0.Shape[0] != 1 || m.Iters <= 0 || !(m.Beta > 0) {
		return nil, fmt.Errorf("caricature: one image [1,C,H,W], %d iterations and β %g", m.Iters, m.Beta)
	}
	n := max(opts.Repeats, 1)
	start := graph.NewTensor(append([]int{n}, x0.Shape[1:]...)...)
	for i := 0; i < n; i++ {
		copy(start.Data[i*len(x0.Data):], x0.Data)
	}
	opts.Objective = IJCVObjective(OriginalCaricature(), 1, m.Beta)
	opts.Optimizer = Projected{NewAdaGradMomentum(), RangeBPlus}
	opts.Schedule = IJCVSchedule(x0.Shape[2]*x0.Shape[3], m.Iters, 1)
	jitterOn(&opts, m.Jitter, start.Shape, nil, start)
	return Reconstruct(ctx, rep, x0, opts)
}
