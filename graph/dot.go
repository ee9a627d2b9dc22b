package graph

import (
	"fmt"
	"slices"
)

// dot is the scalar Σ r ⊙ x for a fixed tensor r.
type dot struct{ r *Tensor }

func (k dot) String() string    { return "Dot" }
func (k dot) Diffable(int) bool { return true }
func (k dot) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || !slices.Equal(in[0], k.r.Shape) {
		return nil, fmt.Errorf("want one input of shape %v, got %v", k.r.Shape, in)
	}
	return nil, nil
}
func (k dot) Forward(in []*Tensor, out *Tensor) {
	s := 0.0
	for i, v := range in[0].Data {
		s += float64(v) * float64(k.r.Data[i])
	}
	out.Data[0] = float32(s)
}
func (k dot) Backward(_ int, _ []*Tensor, _, gout, gin *Tensor) {
	g := gout.Data[0]
	for i, v := range k.r.Data {
		gin.Data[i] = g * v
	}
}

// Dot is the scalar ⟨x, r⟩ for a constant tensor r shaped like x. Its
// gradient is r, so d⟨f(x), r⟩/dx is f's vector-Jacobian product with r.
func Dot(x *Node, r *Tensor) (*Node, error) { return Apply(dot{r}, x) }
