package invert

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

// The feature-visualisation objectives (Lucid's, as losses to minimise:
// each is minus what it raises). A layer's output is [N,C,H,W] (a map),
// [N,T,D] (a transformer's tokens: D channels; the patch tokens only when
// T−1 is a square, the first being the class token) or [N,C] (a vector).

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
