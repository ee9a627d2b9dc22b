package graph

import (
	"fmt"
	"math/rand"
	"testing"
)

func TestConvTranspose(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, c := range []struct {
		x        []int
		cout, k  int
		p        ConvParams
		outH, ow int
	}{
		{[]int{1, 3, 4, 5}, 2, 3, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, 7, 9},
		{[]int{2, 4, 3, 3}, 6, 2, ConvParams{Strides: [2]int{2, 2}, Group: 2}, 6, 6}, // a 2× upsampling, groups
		{[]int{1, 2, 5, 4}, 3, 3, ConvParams{Dilations: [2]int{2, 1}, Pads: [4]int{0, 1, 2, 0}}, 7, 5},
		{[]int{1, 2, 3, 3}, 2, 3, ConvParams{Strides: [2]int{2, 2}}, 8, 8}, // output_padding 1
		{[]int{1, 4, 3, 3}, 5, 1, ConvParams{}, 3, 3},                      // pointwise
	} {
		p := c.p.withDefaults()
		cin, g := c.x[1], p.Group
		w := randTensor(rng, cin, c.cout/g, c.k, c.k)
		bias := randTensor(rng, c.cout)
		ref := func(x []float64) []float64 {
			n, h, wd := c.x[0], c.x[2], c.x[3]
			y := make([]float64, n*c.cout*c.outH*c.ow)
			cig, cog := cin/g, c.cout/g
			for b := 0; b < n; b++ {
				for oc := 0; oc < c.cout; oc++ {
					for i := 0; i < c.outH*c.ow; i++ {
						y[(b*c.cout+oc)*c.outH*c.ow+i] = float64(bias.Data[oc])
					}
				}
				for ic := 0; ic < cin; ic++ {
					gr := ic / cig
					for iy := 0; iy < h; iy++ {
						for ix := 0; ix < wd; ix++ {
							v := x[((b*cin+ic)*h+iy)*wd+ix]
							for o := 0; o < cog; o++ {
								oc := gr*cog + o
								for ky := 0; ky < c.k; ky++ {
									for kx := 0; kx < c.k; kx++ {
										oy := iy*p.Strides[0] - p.Pads[0] + ky*p.Dilations[0]
										ox := ix*p.Strides[1] - p.Pads[1] + kx*p.Dilations[1]
										if oy < 0 || ox < 0 || oy >= c.outH || ox >= c.ow {
											continue
										}
										y[((b*c.cout+oc)*c.outH+oy)*c.ow+ox] += v * float64(w.Data[((ic*cog+o)*c.k+ky)*c.k+kx])
									}
								}
							}
						}
					}
				}
			}
			return y
		}
		runOpCase(t, opCase{name: fmt.Sprintf("ConvTranspose%v", c.x), in: c.x, ref: ref, build: func(x *Node) (*Node, error) {
			return ConvTranspose(x, x.graph.Const(w), x.graph.Const(bias), c.p, [2]int{c.outH, c.ow})
		}})
	}
}
