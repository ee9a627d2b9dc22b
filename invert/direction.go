package invert

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

// Direction is minus the agreement of a layer's vectors (one per
// position) with V, averaged over the positions: their dot product, or
// with Cosine their cosine similarity.
type Direction struct {
	Layer  string
	V      []float32
	Cosine bool
}

// Name implements Term.
func (d Direction) Name() string { return d.Layer + ":dir" }

// Layers implements LayerTerm.
func (d Direction) Layers() []string { return []string{d.Layer} }

// Build implements Term on the one layer given as phi.
func (d Direction) Build(x, phi *graph.Node) (*graph.Node, error) {
	return d.BuildLayers(x, map[string]*graph.Node{d.Layer: phi})
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

// DirectionNeuron is minus the dot product of one position's vector of a
// layer with V (Lucid's direction_neuron): at (X, Y), the centre where
// either is negative.
type DirectionNeuron struct {
	Layer string
	V     []float32
	X, Y  int
}

// Name implements Term.
func (d DirectionNeuron) Name() string { return fmt.Sprintf("%s:dir@%d,%d", d.Layer, d.X, d.Y) }

// Layers implements LayerTerm.
func (d DirectionNeuron) Layers() []string { return []string{d.Layer} }

// Build implements Term on the one layer given as phi.
func (d DirectionNeuron) Build(x, phi *graph.Node) (*graph.Node, error) {
	return d.BuildLayers(x, map[string]*graph.Node{d.Layer: phi})
}

// BuildLayers implements LayerTerm.
func (d DirectionNeuron) BuildLayers(_ *graph.Node, nodes map[string]*graph.Node) (*graph.Node, error) {
	phi, l, err := layoutOf(d.Layer, nodes)
	if err != nil {
		return nil, err
	}
	if len(d.V) != l.c {
		return nil, fmt.Errorf("direction of %d values for layer %s of %d channels", len(d.V), d.Layer, l.c)
	}
	s := phi.Shape()
	q, err := position(d.Layer, s, d.X, d.Y)
	if err != nil {
		return nil, err
	}
	w := graph.NewTensor(append([]int{1}, s[1:]...)...)
	for c, v := range d.V {
		w.Data[l.index(c, q)] = v
	}
	return graph.Apply(inner{w}, phi)
}
