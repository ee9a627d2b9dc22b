package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// Channel is minus the mean of one channel of a layer over its positions,
// per image.
type Channel struct {
	Layer string
	C     int
}

// Name implements Term.
func (c Channel) Name() string { return fmt.Sprintf("%s:%d", c.Layer, c.C) }

// Layers implements LayerTerm.
func (c Channel) Layers() []string { return []string{c.Layer} }

// Build implements Term on the one layer given as phi.
func (c Channel) Build(x, phi *graph.Node) (*graph.Node, error) {
	return c.BuildLayers(x, map[string]*graph.Node{c.Layer: phi})
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
