package invert

import (
	"fmt"
	"github.com/invrep/invrep/graph"
)

// Alignment keeps neighbouring images of the batch close in a layer
// (Lucid's alignment, as a loss): Σ_{d=1..4} Σ_i mean((φ_i − φ_{i+d})²)/Decay^d
// (Decay 2 by default).
type Alignment struct {
	Layer string
	Decay float64
}

// Name implements Term.
func (a Alignment) Name() string { return a.Layer + ":align" }

// Layers implements LayerTerm.
func (a Alignment) Layers() []string { return []string{a.Layer} }

// Build implements Term on the one layer given as phi.
func (a Alignment) Build(x, phi *graph.Node) (*graph.Node, error) {
	return a.BuildLayers(x, map[string]*graph.Node{a.Layer: phi})
}

// BuildLayers implements LayerTerm.
func (a Alignment) BuildLayers(_ *graph.Node, nodes map[string]*graph.Node) (*graph.Node, error) {
	phi, l, err := layoutOf(a.Layer, nodes)
	if err != nil {
		return nil, err
	}
	if l.n < 2 { // with one image the loss is identically 0
		return nil, fmt.Errorf("align needs a batch of 2 or more images, got %d", l.n)
	}
	decay := a.Decay
	if decay == 0 {
		decay = 2
	}
	return graph.Apply(alignment{n: l.n, decay: decay}, phi)
}

type alignment struct {
	n     int
	decay float64
}

func (k alignment) String() string                     { return "Alignment" }
func (k alignment) Diffable(int) bool                  { return true }
func (k alignment) OutShape(in [][]int) ([]int, error) { return nil, nil }

// pairs calls f for each pair (i, i+d), d = 1..4, with its weight.
func (k alignment) pairs(f func(i, j int, w float64)) {
	w := 1.0
	for d := 1; d <= 4; d++ {
		w /= k.decay
		for i := 0; i+d < k.n; i++ {
			f(i, i+d, w)
		}
	}
}

func (k alignment) Forward(in []*graph.Tensor, out *graph.Tensor) {
	per := len(in[0].Data) / k.n
	s := 0.0
	k.pairs(func(i, j int, w float64) {
		a, b := in[0].Data[i*per:(i+1)*per], in[0].Data[j*per:(j+1)*per]
		m := 0.0
		for t, v := range a {
			d := float64(v) - float64(b[t])
			m += d * d
		}
		s += w * m / float64(per)
	})
	out.Data[0] = float32(s)
}

func (k alignment) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	per := len(in[0].Data) / k.n
	g := float64(gout.Data[0])
	k.pairs(func(i, j int, w float64) {
		a, b := in[0].Data[i*per:(i+1)*per], in[0].Data[j*per:(j+1)*per]
		ga, gb := gin.Data[i*per:(i+1)*per], gin.Data[j*per:(j+1)*per]
		c := 2 * g * w / float64(per)
		for t, v := range a {
			d := float32(c * (float64(v) - float64(b[t])))
			ga[t] += d
			gb[t] -= d
		}
	})
}
