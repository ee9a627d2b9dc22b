package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// Neuron is minus one unit of a layer: channel C at (X, Y), or at the
// centre where X or Y is negative.
type Neuron struct {
	Layer   string
	C, X, Y int
}

// Name implements Term.
func (n Neuron) Name() string { return fmt.Sprintf("%s:%d@%d,%d", n.Layer, n.C, n.X, n.Y) }

// Layers implements LayerTerm.
func (n Neuron) Layers() []string { return []string{n.Layer} }

// Build implements Term on the one layer given as phi.
func (n Neuron) Build(x, phi *graph.Node) (*graph.Node, error) {
	return n.BuildLayers(x, map[string]*graph.Node{n.Layer: phi})
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
	q, err := position(n.Layer, s, n.X, n.Y)
	if err != nil {
		return nil, err
	}
	w := graph.NewTensor(append([]int{1}, s[1:]...)...)
	w.Data[l.index(n.C, q)] = 1
	return graph.Apply(inner{w}, phi)
}

// position is the offset within a channel's plane of (x, y) in a map
// shaped [N, C, H, W], each coordinate at the centre where negative; a
// vector [N, C] has one position, 0.
func position(layer string, s []int, x, y int) (int, error) {
	if len(s) != 4 {
		if x >= 0 || y >= 0 { // a position the layer does not have
			return 0, fmt.Errorf("position %d,%d: layer %s (shape %v) has no positions: give %s:C", x, y, layer, s, layer)
		}
		return 0, nil
	}
	if x < 0 {
		x = (s[3] - 1) / 2
	}
	if y < 0 {
		y = (s[2] - 1) / 2
	}
	if x >= s[3] || y >= s[2] {
		return 0, fmt.Errorf("position %d,%d: layer %s is %d×%d", x, y, layer, s[3], s[2])
	}
	return y*s[3] + x, nil
}
