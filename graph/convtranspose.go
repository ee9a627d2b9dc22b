package graph

import (
	"fmt"
	"slices"

	"github.com/invrep/invrep/graph/parallel"
)

// convTranspose is ONNX ConvTranspose: the adjoint of a convolution. Its
// forward pass is the input gradient of the convolution that maps its
// output back to its input (same weights: [Cin, Cout/g, kh, kw] is that
// convolution's [M, C/g, kh, kw]), and its input gradient is that
// convolution's forward pass. So it reuses every path conv has.
type convTranspose struct {
	c   conv
	out [2]int // output height and width
}

func (k convTranspose) String() string {
	return fmt.Sprintf("ConvTranspose(s=%v,p=%v,d=%v,g=%d)", k.c.p.Strides, k.c.p.Pads, k.c.p.Dilations, k.c.p.Group)
}

func (k convTranspose) Diffable(i int) bool { return i == 0 }

// Overwrites implements Overwriter: the gradient is a convolution's
// forward pass, which writes everything; the forward pass adds taps up
// except for pointwise weights.
func (k convTranspose) Overwrites(grad bool, _ int) bool { return grad || k.c.pointwiseGrad }

// adjointShape is the shape of the output: the input of the adjoint
// convolution.
func (k convTranspose) adjointShape(x, w []int) []int {
	return []int{x[0], w[1] * k.c.p.Group, k.out[0], k.out[1]}
}

func (k convTranspose) OutShape(in [][]int) ([]int, error) {
	if len(in) < 2 || len(in) > 3 || len(in[0]) != 4 || len(in[1]) != 4 {
		return nil, fmt.Errorf("want a 4-D input and weight, got %v", in)
	}
	x, w := in[0], in[1]
	y := k.adjointShape(x, w)
	back, err := k.c.OutShape([][]int{y, w})
	if err != nil {
		return nil, err
	}
	if !slices.Equal(back, x) {
		return nil, fmt.Errorf("output %v does not map back onto input %v", y, x)
	}
	if len(in) == 3 && (len(in[2]) != 1 || in[2][0] != y[1]) {
		return nil, fmt.Errorf("bias shape %v, want [%d]", in[2], y[1])
	}
	return y, nil
}

func (k convTranspose) Forward(in []*Tensor, out *Tensor) {
	shape := &Tensor{Shape: out.Shape} // the adjoint's input: only its shape is read
	k.c.Backward(0, []*Tensor{shape, in[1]}, &Tensor{Shape: in[0].Shape}, in[0], out)
	if len(in) == 3 {
		plane := out.Shape[2] * out.Shape[3]
		parallel.For(out.Shape[0]*out.Shape[1], func(nc int) {
			b := in[2].Data[nc%out.Shape[1]]
			ys := out.Data[nc*plane : (nc+1)*plane]
			for i := range ys {
				ys[i] += b
			}
		})
	}
}

func (k convTranspose) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	k.c.Forward([]*Tensor{gout, in[1]}, gin)
}

// ConvTranspose is the transposed convolution of x [N, Cin, H, W] by w
// [Cin, Cout/group, kh, kw], with the strides, dilations, group and pads
// of p and the output's spatial size out (which ONNX derives from
// output_padding or output_shape).
func ConvTranspose(x, w, b *Node, p ConvParams, out [2]int) (*Node, error) {
	k := convTranspose{c: conv{p: p.withDefaults(), packs: &packCache{}}, out: out}
	if ws := w.shape; len(ws) == 4 {
		k.c.pointwiseGrad = ws[2] == 1 && ws[3] == 1 && k.c.p.Strides == [2]int{1, 1} && k.c.p.Pads == [4]int{} && !(ws[1] == 1 && ws[0] == k.c.p.Group)
	}
	if b == nil {
		return Apply(k, x, w)
	}
	return Apply(k, x, w, b)
}
