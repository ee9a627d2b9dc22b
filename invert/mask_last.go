package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// ChannelMaskLast is ChannelMask on a channels-last feature map [N,H,W,C]
// (Swin's stages, a Keras model's layers): channels [a, b) of the last
// axis.
func ChannelMaskLast(shape []int, a, b int) (*graph.Tensor, error) {
	if len(shape) != 4 {
		return nil, fmt.Errorf("the layer's shape %v is not channels last [N,H,W,C]", shape)
	}
	return axisMask(shape, 3, a, b, "channels")
}

// NeighMaskLast is NeighMask on a channels-last feature map [N,H,W,C]:
// the central k×k window of rows and columns, all channels.
func NeighMaskLast(shape []int, k int) (*graph.Tensor, error) {
	if len(shape) != 4 {
		return nil, fmt.Errorf("the layer's shape %v is not channels last [N,H,W,C]", shape)
	}
	h, w, c := shape[1], shape[2], shape[3]
	if k <= 0 || k > h || k > w {
		return nil, fmt.Errorf("neighbourhood %d does not fit the %dx%d feature map", k, h, w)
	}
	y0, x0 := (h-k+2)/2-1, (w-k+2)/2-1
	m := graph.NewTensor(shape...)
	for n := 0; n < shape[0]; n++ {
		for i := y0; i < y0+k; i++ {
			for j := x0; j < x0+k; j++ {
				row := m.Data[((n*h+i)*w+j)*c:]
				for ch := 0; ch < c; ch++ {
					row[ch] = 1
				}
			}
		}
	}
	return m, nil
}
