package invert

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/gemm"
)

// The feature-visualisation objectives (Lucid's, as losses to minimise:
// each is minus what it raises). A layer's output is [N,C,H,W] (a map),
// [N,T,D] (a transformer's tokens: D channels; the patch tokens only when
// T−1 is a square, the first being the class token) or [N,C] (a vector).

// Channel is minus the mean of one channel of a layer over its positions,
// per image.
type Channel struct {
	Layer string
	C     int
}

// Neuron is minus one unit of a layer: channel C at (X, Y), or at the
// centre where X or Y is negative.
type Neuron struct {
	Layer   string
	C, X, Y int
}

// Direction is minus the agreement of a layer's vectors (one per
// position) with V, averaged over the positions: their dot product, or
// with Cosine their cosine similarity.
type Direction struct {
	Layer  string
	V      []float32
	Cosine bool
}

// Name implements Term.
func (c Channel) Name() string { return fmt.Sprintf("%s:%d", c.Layer, c.C) }

// Name implements Term.
func (n Neuron) Name() string { return fmt.Sprintf("%s:%d@%d,%d", n.Layer, n.C, n.X, n.Y) }

// Name implements Term.
func (d Direction) Name() string { return d.Layer + ":dir" }

// Layers implements LayerTerm.
func (c Channel) Layers() []string { return []string{c.Layer} }

// Layers implements LayerTerm.
func (n Neuron) Layers() []string { return []string{n.Layer} }

// Layers implements LayerTerm.
func (d Direction) Layers() []string { return []string{d.Layer} }

// Build implements Term on the one layer given as phi.
func (c Channel) Build(x, phi *graph.Node) (*graph.Node, error) {
	return c.BuildLayers(x, map[string]*graph.Node{c.Layer: phi})
}

// Build implements Term on the one layer given as phi.
func (n Neuron) Build(x, phi *graph.Node) (*graph.Node, error) {
	return n.BuildLayers(x, map[string]*graph.Node{n.Layer: phi})
}

// Build implements Term on the one layer given as phi.
func (d Direction) Build(x, phi *graph.Node) (*graph.Node, error) {
	return d.BuildLayers(x, map[string]*graph.Node{d.Layer: phi})
}

// layout reads a layer's output as channels × positions per image, and
// which positions count.
type layout struct {
	n, c, p   int  // images, channels, positions
	tokens    bool // [N,T,D]: channels last
	skipFirst bool // the class token
}

func layoutOf(layer string, nodes map[string]*graph.Node) (*graph.Node, layout, error) {
	phi := nodes[layer]
	if phi == nil {
		return nil, layout{}, fmt.Errorf("layer %q was not built", layer)
	}
	s := phi.Shape()
	switch len(s) {
	case 2:
		return phi, layout{n: s[0], c: s[1], p: 1}, nil
	case 3:
		t := s[1]
		r := int(math.Round(math.Sqrt(float64(t - 1))))
		return phi, layout{n: s[0], c: s[2], p: t, tokens: true, skipFirst: t > 1 && r*r == t-1}, nil
	case 4:
		return phi, layout{n: s[0], c: s[1], p: s[2] * s[3]}, nil
	}
	return nil, layout{}, fmt.Errorf("layer %q has shape %v: want [N,C,H,W], [N,T,D] or [N,C]", layer, s)
}

// index is the offset, within one image, of channel c at position q.
func (l layout) index(c, q int) int {
	if l.tokens {
		return q*l.c + c
	}
	return c*l.p + q
}

// counted lists the positions that count.
func (l layout) counted() []int {
	var out []int
	for q := 0; q < l.p; q++ {
		if !(l.skipFirst && q == 0) {
			out = append(out, q)
		}
	}
	return out
}

// BuildLayers implements LayerTerm.
func (c Channel) BuildLayers(_ *graph.Node, nodes map[string]*graph.Node) (*graph.Node, error) {
	phi, l, err := layoutOf(c.Layer, nodes)
	if err != nil {
		return nil, err
	}
	if c.C < 0 || c.C >= l.c {
		return nil, fmt.Errorf("channel %d: layer %s has %d (0 to %d)", c.C, c.Layer, l.c, l.c-1)
	}
	w := graph.NewTensor(append([]int{1}, phi.Shape()[1:]...)...)
	q := l.counted()
	for _, p := range q {
		w.Data[l.index(c.C, p)] = float32(1 / float64(len(q)))
	}
	return graph.Apply(inner{w}, phi)
}

// BuildLayers implements LayerTerm.
func (n Neuron) BuildLayers(_ *graph.Node, nodes map[string]*graph.Node) (*graph.Node, error) {
	phi, l, err := layoutOf(n.Layer, nodes)
	if err != nil {
		return nil, err
	}
	if n.C < 0 || n.C >= l.c {
		return nil, fmt.Errorf("channel %d: layer %s has %d (0 to %d)", n.C, n.Layer, l.c, l.c-1)
	}
	s := phi.Shape()
	q := 0
	if len(s) == 4 {
		x, y := n.X, n.Y
		if x < 0 {
			x = (s[3] - 1) / 2
		}
		if y < 0 {
			y = (s[2] - 1) / 2
		}
		if x >= s[3] || y >= s[2] {
			return nil, fmt.Errorf("position %d,%d: layer %s is %d×%d", x, y, n.Layer, s[3], s[2])
		}
		q = y*s[3] + x
	}
	w := graph.NewTensor(append([]int{1}, s[1:]...)...)
	w.Data[l.index(n.C, q)] = 1
	return graph.Apply(inner{w}, phi)
}

// BuildLayers implements LayerTerm.
func (d Direction) BuildLayers(_ *graph.Node, nodes map[string]*graph.Node) (*graph.Node, error) {
	phi, l, err := layoutOf(d.Layer, nodes)
	if err != nil {
		return nil, err
	}
	if len(d.V) != l.c {
		return nil, fmt.Errorf("direction of %d values for layer %s of %d channels", len(d.V), d.Layer, l.c)
	}
	if d.Cosine {
		return graph.Apply(cosine{v: d.V, l: l}, phi)
	}
	w := graph.NewTensor(append([]int{1}, phi.Shape()[1:]...)...)
	q := l.counted()
	for _, p := range q {
		for c, v := range d.V {
			w.Data[l.index(c, p)] = v / float32(len(q))
		}
	}
	return graph.Apply(inner{w}, phi)
}

// cosine is −Σ_n mean_q cos(φ_n(q), v) over the counted positions q.
type cosine struct {
	v []float32
	l layout
}

func (k cosine) String() string                     { return "Cosine" }
func (k cosine) Diffable(int) bool                  { return true }
func (k cosine) Overwrites(bool, int) bool          { return true }
func (k cosine) OutShape(in [][]int) ([]int, error) { return nil, nil }

// each calls f for every image's counted position with the vector's
// offsets, φ·v, ‖φ‖ and ‖v‖.
func (k cosine) each(phi []float32, f func(base, q int, dot, nf, nv float64)) {
	nv := 0.0
	for _, v := range k.v {
		nv += float64(v) * float64(v)
	}
	nv = math.Sqrt(nv)
	per := k.l.c * k.l.p
	for n := 0; n < k.l.n; n++ {
		for _, q := range k.l.counted() {
			dot, nf := 0.0, 0.0
			for c, v := range k.v {
				a := float64(phi[n*per+k.l.index(c, q)])
				dot += a * float64(v)
				nf += a * a
			}
			f(n*per, q, dot, math.Sqrt(nf), nv)
		}
	}
}

func (k cosine) Forward(in []*graph.Tensor, out *graph.Tensor) {
	s, count := 0.0, float64(len(k.l.counted()))
	k.each(in[0].Data, func(_, _ int, dot, nf, nv float64) { s -= dot / (math.Max(nf, 1e-12) * nv) / count })
	out.Data[0] = float32(s)
}

// Backward: ∂cos/∂φ = v/(‖φ‖‖v‖) − cos·φ/‖φ‖².
func (k cosine) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	clear(gin.Data)
	g := -float64(gout.Data[0]) / float64(len(k.l.counted()))
	phi := in[0].Data
	k.each(phi, func(base, q int, dot, nf, nv float64) {
		nf = math.Max(nf, 1e-12)
		cos := dot / (nf * nv)
		for c, v := range k.v {
			i := base + k.l.index(c, q)
			gin.Data[i] = float32(g * (float64(v)/(nf*nv) - cos*float64(phi[i])/(nf*nf)))
		}
	})
}

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
