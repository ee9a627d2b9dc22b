package graph

import (
	"fmt"
	"slices"

	"github.com/invrep/invrep/graph/vec"
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

// Forward sums in float64 by chunks split between the cores, the chunks'
// sums then added in order (the same total on any number of cores): a
// serial pass was most of a benchmark's time on large feature maps.
func (k dot) Forward(in []*Tensor, out *Tensor) {
	x := in[0].Data
	parts := make([]float64, (len(x)+elementChunk-1)/elementChunk)
	chunked(len(x), func(lo, hi int) {
		// Vector products of 1024 at a time, added in float64: a scalar
		// float64 loop was half of the op benchmarks that end in a Dot.
		s := 0.0
		for a := lo; a < hi; a += 1024 {
			b := min(a+1024, hi)
			s += float64(vec.Dot(x[a:b], k.r.Data[a:b]))
		}
		parts[lo/elementChunk] = s
	})
	s := 0.0
	for _, p := range parts {
		s += p
	}
	out.Data[0] = float32(s)
}

// Overwrites implements Overwriter: the gradient is set everywhere.
func (k dot) Overwrites(bool, int) bool { return true }

func (k dot) Backward(_ int, _ []*Tensor, _, gout, gin *Tensor) {
	g := gout.Data[0]
	chunked(len(gin.Data), func(lo, hi int) { vec.ScaleAdd(gin.Data[lo:hi], k.r.Data[lo:hi], g, 0) })
}

// Dot is the scalar ⟨x, r⟩ for a constant tensor r shaped like x. Its
// gradient is r, so d⟨f(x), r⟩/dx is f's vector-Jacobian product with r.
func Dot(x *Node, r *Tensor) (*Node, error) { return Apply(dot{r}, x) }
