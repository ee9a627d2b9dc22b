package graph

import (
	"math/rand"
	"testing"
)

// TestConvTranspose3D: strided, padded, dilated and grouped 3-D
// transposed convolutions against a float64 sum over input voxels and
// kernel taps, and their input gradient against finite differences.
func TestConvTranspose3D(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []int // N, C, D, H, W
		m, k int   // output channels per group, kernel size
		p    ConvTranspose3DParams
	}{
		{"plain", []int{1, 1, 3, 4, 5}, 2, 3, ConvTranspose3DParams{Strides: [3]int{1, 1, 1}, Dilations: [3]int{1, 1, 1}, Out: [3]int{5, 6, 7}, Group: 1}},
		{"strided, padded, dilated", []int{2, 2, 2, 3, 2}, 1, 2, ConvTranspose3DParams{Strides: [3]int{2, 1, 3}, Dilations: [3]int{1, 2, 1}, Pads: [3]int{1, 0, 1}, Out: [3]int{3, 5, 5}, Group: 1}},
		{"grouped, past the input's reach", []int{1, 4, 2, 2, 2}, 1, 2, ConvTranspose3DParams{Strides: [3]int{2, 2, 2}, Dilations: [3]int{1, 1, 1}, Out: [3]int{5, 5, 6}, Group: 2}},
	} {
		rng := rand.New(rand.NewSource(4))
		cin := c.in[1]
		w := randTensor(rng, cin, c.m, c.k, c.k, c.k)
		p := c.p
		ref := func(x []float64) []float64 {
			n, d, h, wd := c.in[0], c.in[2], c.in[3], c.in[4]
			mAll := c.m * p.Group
			cg := cin / p.Group
			o := p.Out
			y := make([]float64, n*mAll*o[0]*o[1]*o[2])
			for b := 0; b < n; b++ {
				for ci := 0; ci < cin; ci++ {
					g := ci / cg
					for m := 0; m < c.m; m++ {
						for iz := 0; iz < d; iz++ {
							for iy := 0; iy < h; iy++ {
								for ix := 0; ix < wd; ix++ {
									v := x[(((b*cin+ci)*d+iz)*h+iy)*wd+ix]
									for kz := 0; kz < c.k; kz++ {
										for ky := 0; ky < c.k; ky++ {
											for kx := 0; kx < c.k; kx++ {
												oz := iz*p.Strides[0] - p.Pads[0] + kz*p.Dilations[0]
												oy := iy*p.Strides[1] - p.Pads[1] + ky*p.Dilations[1]
												ox := ix*p.Strides[2] - p.Pads[2] + kx*p.Dilations[2]
												if oz < 0 || oy < 0 || ox < 0 || oz >= o[0] || oy >= o[1] || ox >= o[2] {
													continue
												}
												wv := float64(w.Data[(((ci*c.m+m)*c.k+kz)*c.k+ky)*c.k+kx])
												y[(((b*mAll+g*c.m+m)*o[0]+oz)*o[1]+oy)*o[2]+ox] += v * wv
											}
										}
									}
								}
							}
						}
					}
				}
			}
			return y
		}
		runOpCase(t, opCase{name: "ConvTranspose3D/" + c.name, in: c.in, ref: ref, build: func(x *Node) (*Node, error) {
			return ConvTranspose3D(x, x.graph.Const(w), p)
		}})
	}
}
