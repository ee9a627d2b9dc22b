package graph

import (
	"fmt"
	"slices"

	"github.com/invrep/invrep/graph/parallel"
)

// ConvTranspose3DParams are a 3-D transposed convolution's: per axis
// (depth, height, width) stride, dilation, and the padding removed at the
// start (Pads[0:3]) of the full output; Out is the output's spatial size
// (the end padding and any output_padding follow from it).
type ConvTranspose3DParams struct {
	Strides, Dilations [3]int
	Pads               [3]int
	Out                [3]int
	Group              int
}

// ConvTranspose3D is ONNX's ConvTranspose on [N,C,D,H,W] with a constant
// weight [C, M/group, kD, kH, kW]: each input voxel adds its value times
// the kernel into the output at stride spacing. It is computed directly,
// voxel by kernel tap: 3-D transposed convolutions in vision models
// (volumetric decoders) are small next to the 2-D ones, which have their
// own fast path.
func ConvTranspose3D(x, w *Node, p ConvTranspose3DParams) (*Node, error) {
	if w.live {
		return nil, fmt.Errorf("ConvTranspose3D: the weight must be a constant")
	}
	wt, _ := w.Constant()
	return Apply(&convT3D{p: p, w: wt, inShape: x.Shape()}, x)
}

type convT3D struct {
	p       ConvTranspose3DParams
	w       *Tensor
	inShape []int
}

func (k *convT3D) String() string      { return fmt.Sprintf("ConvTranspose3D(%v)", k.p.Out) }
func (k *convT3D) Diffable(i int) bool { return i == 0 }

func (k *convT3D) OutShape(in [][]int) ([]int, error) {
	x, ws, p := in[0], k.w.Shape, k.p
	if len(in) != 1 || !slices.Equal(x, k.inShape) || len(x) != 5 || len(ws) != 5 {
		return nil, fmt.Errorf("input %v and weight %v are not 3-D", in, ws)
	}
	if p.Group <= 0 || x[1] != ws[0] || x[1]%p.Group != 0 {
		return nil, fmt.Errorf("input %v has %d channels, weight %v and group %d do not fit", x, x[1], ws, p.Group)
	}
	for d := 0; d < 3; d++ {
		if p.Strides[d] <= 0 || p.Dilations[d] <= 0 || p.Pads[d] < 0 || p.Out[d] <= 0 {
			return nil, fmt.Errorf("strides %v, dilations %v, pads %v, output %v", p.Strides, p.Dilations, p.Pads, p.Out)
		}
	}
	return []int{x[0], ws[1] * p.Group, p.Out[0], p.Out[1], p.Out[2]}, nil
}

// taps calls f with every (input voxel, kernel tap, output voxel) of one
// input channel ci and output channel m of its group, as flat offsets.
func (k *convT3D) taps(ci, m int, f func(xi, wi, yi int)) {
	x, ws, p := k.inShape, k.w.Shape, k.p
	in := [3]int{x[2], x[3], x[4]}
	kk := [3]int{ws[2], ws[3], ws[4]}
	for iz := 0; iz < in[0]; iz++ {
		for iy := 0; iy < in[1]; iy++ {
			for ix := 0; ix < in[2]; ix++ {
				xi := (iz*in[1]+iy)*in[2] + ix
				for kz := 0; kz < kk[0]; kz++ {
					oz := iz*p.Strides[0] - p.Pads[0] + kz*p.Dilations[0]
					if oz < 0 || oz >= p.Out[0] {
						continue
					}
					for ky := 0; ky < kk[1]; ky++ {
						oy := iy*p.Strides[1] - p.Pads[1] + ky*p.Dilations[1]
						if oy < 0 || oy >= p.Out[1] {
							continue
						}
						for kx := 0; kx < kk[2]; kx++ {
							ox := ix*p.Strides[2] - p.Pads[2] + kx*p.Dilations[2]
							if ox < 0 || ox >= p.Out[2] {
								continue
							}
							wi := (((ci*ws[1]+m)*kk[0]+kz)*kk[1]+ky)*kk[2] + kx
							f(xi, wi, (oz*p.Out[1]+oy)*p.Out[2]+ox)
						}
					}
				}
			}
		}
	}
}

// Forward: each (image, output channel) plane is summed from its group's
// input channels alone, so planes run in parallel.
func (k *convT3D) Forward(in []*Tensor, out *Tensor) {
	x, y := in[0].Data, out.Data
	n, c, mg := k.inShape[0], k.inShape[1], k.w.Shape[1]
	cg := c / k.p.Group
	inVox := k.inShape[2] * k.inShape[3] * k.inShape[4]
	outVox := k.p.Out[0] * k.p.Out[1] * k.p.Out[2]
	mAll := mg * k.p.Group
	clear(y)
	parallel.For(n*mAll, func(job int) {
		b, mo := job/mAll, job%mAll
		g, m := mo/mg, mo%mg
		dst := y[(b*mAll+mo)*outVox : (b*mAll+mo+1)*outVox]
		for ci := g * cg; ci < (g+1)*cg; ci++ {
			src := x[(b*c+ci)*inVox : (b*c+ci+1)*inVox]
			k.taps(ci, m, func(xi, wi, yi int) { dst[yi] += src[xi] * k.w.Data[wi] })
		}
	})
}

// Backward: the gradient of input channel ci gathers from its group's
// output channels, so channels run in parallel.
func (k *convT3D) Backward(_ int, _ []*Tensor, _, gout, gin *Tensor) {
	g, d := gout.Data, gin.Data
	n, c, mg := k.inShape[0], k.inShape[1], k.w.Shape[1]
	cg := c / k.p.Group
	inVox := k.inShape[2] * k.inShape[3] * k.inShape[4]
	outVox := k.p.Out[0] * k.p.Out[1] * k.p.Out[2]
	mAll := mg * k.p.Group
	parallel.For(n*c, func(job int) {
		b, ci := job/c, job%c
		grp := ci / cg
		dst := d[(b*c+ci)*inVox : (b*c+ci+1)*inVox]
		for m := 0; m < mg; m++ {
			src := g[(b*mAll+grp*mg+m)*outVox : (b*mAll+grp*mg+m+1)*outVox]
			k.taps(ci, m, func(xi, wi, yi int) { dst[xi] += src[yi] * k.w.Data[wi] })
		}
	})
}
