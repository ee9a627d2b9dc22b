package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// NeighMask keeps a central k×k window of a [1,C,H,W] (or [C,H,W]) feature
// map, over all channels, as the code's 'neigh' option: columns
// ceil((W−k+1)/2)−1 … +k−1 (0-based), rows alike.
func NeighMask(shape []int, k int) (*graph.Tensor, error) {
	if len(shape) < 3 {
		return nil, fmt.Errorf("--neigh needs a spatial feature map, the layer's shape is %v", shape)
	}
	h, w := shape[len(shape)-2], shape[len(shape)-1]
	if k <= 0 || k > h || k > w {
		return nil, fmt.Errorf("neighbourhood %d does not fit the %dx%d feature map", k, h, w)
	}
	y0, x0 := (h-k+2)/2-1, (w-k+2)/2-1 // ceil((n−k+1)/2) − 1
	m := graph.NewTensor(shape...)
	planes := len(m.Data) / (h * w)
	for p := 0; p < planes; p++ {
		for i := y0; i < y0+k; i++ {
			for j := x0; j < x0+k; j++ {
				m.Data[(p*h+i)*w+j] = 1
			}
		}
	}
	return m, nil
}

// ChannelMask keeps channels [a, b) of a feature map [1,C,...] or [1,C].
func ChannelMask(shape []int, a, b int) (*graph.Tensor, error) {
	if len(shape) < 2 {
		return nil, fmt.Errorf("the layer's shape %v has no channel axis", shape)
	}
	c := shape[1]
	if a < 0 || b > c || a >= b {
		return nil, fmt.Errorf("channels %d:%d are not a range within the layer's %d channels", a, b, c)
	}
	m := graph.NewTensor(shape...)
	per := len(m.Data) / (shape[0] * c)
	for n := 0; n < shape[0]; n++ {
		for ch := a; ch < b; ch++ {
			for i := 0; i < per; i++ {
				m.Data[(n*c+ch)*per+i] = 1
			}
		}
	}
	return m, nil
}

// Intersect multiplies masks (nil means all ones).
func Intersect(a, b *graph.Tensor) (*graph.Tensor, error) {
	switch {
	case a == nil:
		return b, nil
	case b == nil:
		return a, nil
	case len(a.Data) != len(b.Data):
		return nil, fmt.Errorf("masks of %v and %v differ in size", a.Shape, b.Shape)
	}
	out := a.Clone()
	for i, v := range b.Data {
		out.Data[i] *= v
	}
	return out, nil
}
