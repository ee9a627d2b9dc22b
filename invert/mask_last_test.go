package invert

import (
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestChannelsLastMasks: the channels-last masks are the channels-first
// ones with the channel axis moved last.
func TestChannelsLastMasks(t *testing.T) {
	first := []int{2, 5, 7, 6}
	last := []int{2, 7, 6, 5}
	moved := func(m *graph.Tensor) *graph.Tensor { // [N,C,H,W] → [N,H,W,C]
		out := graph.NewTensor(last...)
		for n := 0; n < 2; n++ {
			for c := 0; c < 5; c++ {
				for y := 0; y < 7; y++ {
					for x := 0; x < 6; x++ {
						out.Data[((n*7+y)*6+x)*5+c] = m.Data[((n*5+c)*7+y)*6+x]
					}
				}
			}
		}
		return out
	}
	cf, _ := ChannelMask(first, 1, 3)
	cl, err := ChannelMaskLast(last, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	nf, _ := NeighMask(first, 3)
	nl, err := NeighMaskLast(last, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ got, want *graph.Tensor }{{cl, moved(cf)}, {nl, moved(nf)}} {
		for i := range c.want.Data {
			if c.got.Data[i] != c.want.Data[i] {
				t.Fatalf("mask[%d] = %g, want %g", i, c.got.Data[i], c.want.Data[i])
			}
		}
	}
	if _, err := ChannelMaskLast(last, 0, 6); err == nil {
		t.Error("channels 0:6 of 5 accepted")
	}
}
