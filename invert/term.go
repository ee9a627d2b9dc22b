package invert

import (
	"fmt"
	"strings"

	"github.com/invrep/invrep/graph"
)

// Term is one part of the energy: a scalar node built from the image
// variable x and the features phi = Φ(x). A new loss or prior is a new Term.
type Term interface {
	Name() string
	Build(x, phi *graph.Node) (*graph.Node, error)
}

// Weighted is a term times a weight.
type Weighted struct {
	W    float64
	Term Term
}

// Objective is a weighted sum of terms: E = Σ w_i T_i.
type Objective []Weighted

// Scale returns w·t as an objective.
func Scale(w float64, t Term) Objective { return Objective{{W: w, Term: t}} }

// Add returns o + others.
func (o Objective) Add(others ...Objective) Objective {
	out := append(Objective(nil), o...)
	for _, p := range others {
		out = append(out, p...)
	}
	return out
}

// Times returns w·o.
func (o Objective) Times(w float64) Objective {
	out := append(Objective(nil), o...)
	for i := range out {
		out[i].W *= w
	}
	return out
}

func (o Objective) String() string {
	var parts []string
	for _, t := range o {
		parts = append(parts, fmt.Sprintf("%.4g·%s", t.W, t.Term.Name()))
	}
	return strings.Join(parts, " + ")
}

// featureMask is the mask of the objective's first FeatureLoss: the
// reported relative errors measure the features the loss matched, so a
// custom objective's mask counts even where Options.Mask is unset.
func (o Objective) featureMask() (*graph.Tensor, bool) {
	for _, t := range o {
		switch f := t.Term.(type) {
		case FeatureLoss:
			return f.Mask, true
		case measuredLoss:
			return f.m.mask, true
		}
	}
	return nil, false
}

// original is what the objective's Original() term matches, nil if it has
// none.
func (o Objective) original() *matched {
	for _, t := range o {
		switch l := t.Term.(type) {
		case measuredLoss:
			return l.m
		case measuredCaricature:
			return l.m
		}
	}
	return nil
}

// build returns the energy node and each term's unweighted node.
func (o Objective) build(x, phi *graph.Node) (*graph.Node, []*graph.Node, error) {
	if len(o) == 0 {
		return nil, nil, fmt.Errorf("empty objective")
	}
	terms := make([]*graph.Node, len(o))
	ws := make([]float64, len(o))
	for i, t := range o {
		n, err := t.Term.Build(x, phi)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", t.Term.Name(), err)
		}
		if len(n.Shape()) != 0 {
			return nil, nil, fmt.Errorf("%s: term is not a scalar (shape %v)", t.Term.Name(), n.Shape())
		}
		terms[i], ws[i] = n, t.W
	}
	e, err := graph.Apply(weightedSum{ws}, terms...)
	return e, terms, err
}

// weightedSum is Σ w_i s_i over scalar inputs.
type weightedSum struct{ w []float64 }

func (k weightedSum) String() string    { return fmt.Sprintf("WeightedSum%v", k.w) }
func (k weightedSum) Diffable(int) bool { return true }
func (k weightedSum) OutShape(in [][]int) ([]int, error) {
	if len(in) != len(k.w) {
		return nil, fmt.Errorf("want %d scalars, got %d inputs", len(k.w), len(in))
	}
	return nil, nil
}
func (k weightedSum) Forward(in []*graph.Tensor, out *graph.Tensor) {
	s := 0.0
	for i, t := range in {
		s += k.w[i] * float64(t.Data[0])
	}
	out.Data[0] = float32(s)
}
func (k weightedSum) Backward(i int, _ []*graph.Tensor, _, gout, gin *graph.Tensor) {
	gin.Data[0] = float32(k.w[i]) * gout.Data[0]
}
