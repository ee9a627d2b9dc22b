package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// ChannelInterpolate moves across the batch from one channel to another
// (Lucid's channel_interpolate): image n of N is pulled by
// (1−n/(N−1))·LayerA:CA + n/(N−1)·LayerB:CB, each as Channel.
type ChannelInterpolate struct {
	LayerA string
	CA     int
	LayerB string
	CB     int
}

// Name implements Term.
func (c ChannelInterpolate) Name() string {
	return fmt.Sprintf("%s:%d~%s:%d", c.LayerA, c.CA, c.LayerB, c.CB)
}

// Layers implements LayerTerm.
func (c ChannelInterpolate) Layers() []string { return []string{c.LayerA, c.LayerB} }

// Build implements Term: both channels of the one layer given as phi.
func (c ChannelInterpolate) Build(x, phi *graph.Node) (*graph.Node, error) {
	return c.BuildLayers(x, map[string]*graph.Node{c.LayerA: phi, c.LayerB: phi})
}

// BuildLayers implements LayerTerm.
func (c ChannelInterpolate) BuildLayers(_ *graph.Node, nodes map[string]*graph.Node) (*graph.Node, error) {
	var parts []*graph.Node
	for side, ch := range [2]struct {
		layer string
		c     int
	}{{c.LayerA, c.CA}, {c.LayerB, c.CB}} {
		phi, l, err := layoutOf(ch.layer, nodes)
		if err != nil {
			return nil, err
		}
		if ch.c < 0 || ch.c >= l.c {
			return nil, fmt.Errorf("channel %d: layer %s has %d (0 to %d)", ch.c, ch.layer, l.c, l.c-1)
		}
		w := graph.NewTensor(phi.Shape()...)
		q := l.counted()
		per := l.c * l.p
		for n := 0; n < l.n; n++ {
			t := 0.0
			if l.n > 1 {
				t = float64(n) / float64(l.n-1)
			}
			if side == 0 {
				t = 1 - t
			}
			for _, p := range q {
				w.Data[n*per+l.index(ch.c, p)] = float32(t / float64(len(q)))
			}
		}
		node, err := graph.Apply(inner{w}, phi)
		if err != nil {
			return nil, err
		}
		parts = append(parts, node)
	}
	return graph.Apply(weightedSum{[]float64{1, 1}}, parts...)
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
	q := 0
	if len(s) == 4 {
		x, y := d.X, d.Y
		if x < 0 {
			x = (s[3] - 1) / 2
		}
		if y < 0 {
			y = (s[2] - 1) / 2
		}
		if x >= s[3] || y >= s[2] {
			return nil, fmt.Errorf("position %d,%d: layer %s is %d×%d", x, y, d.Layer, s[3], s[2])
		}
		q = y*s[3] + x
	}
	w := graph.NewTensor(append([]int{1}, s[1:]...)...)
	for c, v := range d.V {
		w.Data[l.index(c, q)] = v
	}
	return graph.Apply(inner{w}, phi)
}

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

// Channels is Channel with one channel per image of the batch: image n is
// pulled by channel Cs[n] of the layer (a mosaic of a layer's channels in
// one optimisation).
type Channels struct {
	Layer string
	Cs    []int
}

// Name implements Term.
func (c Channels) Name() string { return fmt.Sprintf("%s:%v", c.Layer, c.Cs) }

// Layers implements LayerTerm.
func (c Channels) Layers() []string { return []string{c.Layer} }

// Build implements Term on the one layer given as phi.
func (c Channels) Build(x, phi *graph.Node) (*graph.Node, error) {
	return c.BuildLayers(x, map[string]*graph.Node{c.Layer: phi})
}

// BuildLayers implements LayerTerm.
func (c Channels) BuildLayers(_ *graph.Node, nodes map[string]*graph.Node) (*graph.Node, error) {
	phi, l, err := layoutOf(c.Layer, nodes)
	if err != nil {
		return nil, err
	}
	if len(c.Cs) != l.n {
		return nil, fmt.Errorf("%d channels for a batch of %d", len(c.Cs), l.n)
	}
	w := graph.NewTensor(phi.Shape()...)
	q := l.counted()
	per := l.c * l.p
	for n, ch := range c.Cs {
		if ch < 0 || ch >= l.c {
			return nil, fmt.Errorf("channel %d: layer %s has %d (0 to %d)", ch, c.Layer, l.c, l.c-1)
		}
		for _, p := range q {
			w.Data[n*per+l.index(ch, p)] = float32(1 / float64(len(q)))
		}
	}
	return graph.Apply(inner{w}, phi)
}
