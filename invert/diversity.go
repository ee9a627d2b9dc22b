package invert

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/gemm"
)

// Diversity is the mean cosine similarity of the images' Gram matrices of
// a layer over all pairs of the batch (Lucid's diversity, as a loss: its
// minimum makes the batch's images differ in style).
type Diversity struct{ Layer string }

// Name implements Term.
func (d Diversity) Name() string { return d.Layer + ":diversity" }

// Layers implements LayerTerm.
func (d Diversity) Layers() []string { return []string{d.Layer} }

// Build implements Term on the one layer given as phi.
func (d Diversity) Build(x, phi *graph.Node) (*graph.Node, error) {
	return d.BuildLayers(x, map[string]*graph.Node{d.Layer: phi})
}

// BuildLayers implements LayerTerm.
func (d Diversity) BuildLayers(_ *graph.Node, nodes map[string]*graph.Node) (*graph.Node, error) {
	phi, l, err := layoutOf(d.Layer, nodes)
	if err != nil {
		return nil, err
	}
	if l.n < 2 {
		return nil, fmt.Errorf("diversity needs a batch of 2 or more images, got %d", l.n)
	}
	return graph.Apply(diversity{l}, phi)
}

type diversity struct{ l layout }

func (k diversity) String() string                     { return "Diversity" }
func (k diversity) Diffable(int) bool                  { return true }
func (k diversity) Overwrites(bool, int) bool          { return true }
func (k diversity) OutShape(in [][]int) ([]int, error) { return nil, nil }

// grams are each image's C×C Gram matrix Σ_q φ(c,q)φ(c',q) and its norm,
// by the matrix product (channels × positions, or positions × channels
// for tokens).
func (k diversity) grams(phi []float32) ([][]float32, []float64) {
	l := k.l
	per := l.c * l.p
	gs, norms := make([][]float32, l.n), make([]float64, l.n)
	for n := range gs {
		g := make([]float32, l.c*l.c)
		f := phi[n*per : (n+1)*per]
		if l.tokens {
			gemm.Best.Mul(true, false, l.c, l.c, l.p, f, l.c, f, l.c, 0, g, l.c)
		} else {
			gemm.Best.Mul(false, true, l.c, l.c, l.p, f, l.p, f, l.p, 0, g, l.c)
		}
		ss := 0.0
		for _, v := range g {
			ss += float64(v) * float64(v)
		}
		gs[n], norms[n] = g, math.Max(math.Sqrt(ss), 1e-12)
	}
	return gs, norms
}

// dot is ⟨a, b⟩ in float64.
func dot(a, b []float32) float64 {
	s := 0.0
	for i, v := range a {
		s += float64(v) * float64(b[i])
	}
	return s
}

func (k diversity) Forward(in []*graph.Tensor, out *graph.Tensor) {
	gs, norms := k.grams(in[0].Data)
	s, pairs := 0.0, 0
	for i := range gs {
		for j := range gs {
			if i != j {
				s += dot(gs[i], gs[j]) / (norms[i] * norms[j])
				pairs++
			}
		}
	}
	out.Data[0] = float32(s / float64(pairs))
}

// Backward: ∂cos(G_i, G_j)/∂G_i = G_j/(‖G_i‖‖G_j‖) − cos·G_i/‖G_i‖², each
// ordered pair counted, and ∂⟨A, G⟩/∂φ = (A + Aᵀ)φ, A symmetric here.
func (k diversity) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	l := k.l
	gs, norms := k.grams(in[0].Data)
	pairs := float64(l.n * (l.n - 1))
	per := l.c * l.p
	g := float64(gout.Data[0]) / pairs
	for i := range gs {
		a := make([]float32, l.c*l.c) // 2·g·∂loss/∂G_i, symmetric
		for j := range gs {
			if i == j {
				continue
			}
			cos := dot(gs[i], gs[j]) / (norms[i] * norms[j])
			u, v := 2*g/(norms[i]*norms[j]), 2*g*cos/(norms[i]*norms[i])
			for t := range a {
				// Pairs (i, j) and (j, i) both hold G_i: the factor 2; and
				// A + Aᵀ = 2A: another.
				a[t] += float32(2 * (u*float64(gs[j][t]) - v*float64(gs[i][t])))
			}
		}
		f := in[0].Data[i*per : (i+1)*per]
		d := gin.Data[i*per : (i+1)*per]
		if l.tokens {
			gemm.Best.Mul(false, false, l.p, l.c, l.c, f, l.c, a, l.c, 0, d, l.c)
		} else {
			gemm.Best.Mul(false, false, l.c, l.p, l.c, a, l.c, f, l.p, 0, d, l.p)
		}
	}
}
