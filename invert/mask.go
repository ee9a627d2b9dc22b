package invert

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

// Tokens reports whether a layer's values are a transformer's tokens,
// [N, T, D] (a class token, if any, then the patches in row-major order),
// rather than a feature map [N, C, H, W] or a vector [N, C].
func Tokens(shape []int) bool { return len(shape) == 3 }

// patchGrid returns the side of the square patch grid among T tokens and
// how many tokens (class, distillation) come before it.
func patchGrid(t int) (side, extra int) {
	side = int(math.Sqrt(float64(t)))
	for (side+1)*(side+1) <= t {
		side++
	}
	return side, t - side*side
}

// NeighMask keeps a central k×k window of a [1,C,H,W] (or [C,H,W]) feature
// map, over all channels, as the code's 'neigh' option: columns
// ceil((W−k+1)/2)−1 … +k−1 (0-based), rows alike. On tokens [N,T,D] the
// window is the central k×k patches of the patch grid, all channels.
func NeighMask(shape []int, k int) (*graph.Tensor, error) {
	if Tokens(shape) {
		side, extra := patchGrid(shape[1])
		if extra > 4 || side == 0 {
			return nil, fmt.Errorf("the layer's %d tokens do not form a square patch grid", shape[1])
		}
		if k <= 0 || k > side {
			return nil, fmt.Errorf("neighbourhood %d does not fit the %dx%d patch grid", k, side, side)
		}
		o := (side-k+2)/2 - 1
		m := graph.NewTensor(shape...)
		d := shape[2]
		for n := 0; n < shape[0]; n++ {
			for i := o; i < o+k; i++ {
				for j := o; j < o+k; j++ {
					tok := extra + i*side + j
					for c := 0; c < d; c++ {
						m.Data[(n*shape[1]+tok)*d+c] = 1
					}
				}
			}
		}
		return m, nil
	}
	if len(shape) < 3 {
		return nil, fmt.Errorf("a central window needs a spatial feature map, the layer's shape is %v", shape)
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

// ChannelMask keeps channels [a, b) of a feature map [1,C,...] or [1,C];
// on tokens [N,T,D] the channels are the embedding's D.
func ChannelMask(shape []int, a, b int) (*graph.Tensor, error) {
	if len(shape) < 2 {
		return nil, fmt.Errorf("the layer's shape %v has no channel axis", shape)
	}
	if Tokens(shape) {
		return axisMask(shape, 2, a, b, "channels")
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

// TokenMask keeps tokens [a, b) of a token layer [N,T,D] (0 is the class
// token where the model has one).
func TokenMask(shape []int, a, b int) (*graph.Tensor, error) {
	if !Tokens(shape) {
		return nil, fmt.Errorf("the layer's shape %v is not tokens [N,T,D]", shape)
	}
	return axisMask(shape, 1, a, b, "tokens")
}

// axisMask keeps indices [a, b) along one axis.
func axisMask(shape []int, axis, a, b int, what string) (*graph.Tensor, error) {
	n := shape[axis]
	if a < 0 || b > n || a >= b {
		return nil, fmt.Errorf("%s %d:%d are not a range within the layer's %d %s", what, a, b, n, what)
	}
	m := graph.NewTensor(shape...)
	outer, inner := graph.Numel(shape[:axis]), graph.Numel(shape[axis+1:])
	for o := 0; o < outer; o++ {
		for i := a; i < b; i++ {
			for k := 0; k < inner; k++ {
				m.Data[(o*n+i)*inner+k] = 1
			}
		}
	}
	return m, nil
}

// FitMask checks a mask read from a file against the layer's shape: every
// value finite and as many values as the layer has. It returns the mask
// reshaped to the layer.
func FitMask(m *graph.Tensor, shape []int) (*graph.Tensor, error) {
	if k, v, ok := firstNonFinite(m); ok {
		return nil, fmt.Errorf("holds %v at index %d", v, k)
	}
	if graph.Numel(m.Shape) != graph.Numel(shape) {
		return nil, fmt.Errorf("shape %v does not fit the layer's %v", m.Shape, shape)
	}
	return &graph.Tensor{Shape: append([]int(nil), shape...), Data: m.Data}, nil
}
