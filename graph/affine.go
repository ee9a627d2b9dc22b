package graph

import (
	"fmt"

	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// affine is a per-channel y = scale_c·x + shift_c on [N,C,...] tensors:
// inference-mode batch normalisation and input normalisation.
type affine struct {
	scale, shift []float32
	from         []int // output channel c reads input channel from[c]; nil: c
	relu         bool  // a Relu after it (not with from)
}

func (k affine) String() string {
	if k.relu {
		return fmt.Sprintf("ChannelAffineRelu(%d)", len(k.scale))
	}
	if k.from != nil {
		return fmt.Sprintf("ChannelAffine(%d, from %v)", len(k.scale), k.from)
	}
	return fmt.Sprintf("ChannelAffine(%d)", len(k.scale))
}

// Overwrites implements Overwriter: the gradient of a reordering adds up.
func (k affine) Overwrites(grad bool, _ int) bool { return !grad || k.from == nil }

// src is the input plane that output plane p reads.
func (k affine) src(p int) int {
	c := len(k.scale)
	if k.from == nil {
		return p
	}
	return p - p%c + k.from[p%c]
}
func (k affine) Diffable(int) bool { return true }
func (k affine) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) < 2 || in[0][1] != len(k.scale) {
		return nil, fmt.Errorf("want one [N,%d,...] input, got %v", len(k.scale), in)
	}
	return append([]int(nil), in[0]...), nil
}

// Forward: planes in parallel, each one fused multiply-add pass
// (vec.ScaleAdd). As a serial scalar loop, DenseNet-121's batch
// normalisations (one per layer, over the growing concatenation) took a
// sixth of its step.
func (k affine) Forward(in []*Tensor, out *Tensor) {
	c := len(k.scale)
	sp := len(out.Data) / (in[0].Shape[0] * c)
	parallel.For(len(out.Data)/sp, func(p int) {
		q := k.src(p)
		dst := out.Data[p*sp : (p+1)*sp]
		vec.ScaleAdd(dst, in[0].Data[q*sp:(q+1)*sp], k.scale[p%c], k.shift[p%c])
		if k.relu {
			vec.Relu(dst, dst) // while the plane is in cache
		}
	})
}

// GradReads implements GradReader: the gradient is the output's, scaled
// (where the fused Relu's output is positive).
func (k affine) GradReads(i, j int) bool { return k.relu && j == -1 }

// Backward: planes in parallel where each input plane has one output
// plane (no reordering), else in order, as reordered planes may share an
// input plane.
func (k affine) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	c := len(k.scale)
	sp := len(gin.Data) / (in[0].Shape[0] * c)
	planes := len(gin.Data) / sp
	if k.from == nil {
		parallel.For(planes, func(p int) {
			dst, g := gin.Data[p*sp:(p+1)*sp], gout.Data[p*sp:(p+1)*sp]
			if k.relu {
				vec.ReluGrad(dst, out.Data[p*sp:(p+1)*sp], g)
				g = dst
			}
			vec.ScaleAdd(dst, g, k.scale[p%c], 0)
		})
		return
	}
	for p := 0; p < planes; p++ {
		q := k.src(p)
		vec.Axpy(gin.Data[q*sp:(q+1)*sp], gout.Data[p*sp:(p+1)*sp], k.scale[p%c])
	}
}

// ChannelAffine computes scale_c·x + shift_c for every channel c of x.
func ChannelAffine(x *Node, scale, shift []float32) (*Node, error) {
	if len(scale) != len(shift) {
		return nil, fmt.Errorf("ChannelAffine: %d scales but %d shifts", len(scale), len(shift))
	}
	return Apply(affine{scale: scale, shift: shift}, x)
}

// ChannelAffineRelu is Relu(ChannelAffine(x, scale, shift)) as one op: a
// batch normalisation and the Relu after it (DenseNet's, before each
// convolution) in one pass each way instead of two.
func ChannelAffineRelu(x *Node, scale, shift []float32) (*Node, error) {
	if len(scale) != len(shift) {
		return nil, fmt.Errorf("ChannelAffineRelu: %d scales but %d shifts", len(scale), len(shift))
	}
	return Apply(affine{scale: scale, shift: shift, relu: true}, x)
}

// ReorderedChannelAffine computes scale_c·x_{from[c]} + shift_c for every
// output channel c: a channel reordering (RGB to BGR) folded into the
// affine map, where slicing and concatenating channels cost a copy each.
func ReorderedChannelAffine(x *Node, from []int, scale, shift []float32) (*Node, error) {
	if len(scale) != len(shift) || len(from) != len(scale) {
		return nil, fmt.Errorf("ReorderedChannelAffine: %d sources, %d scales, %d shifts", len(from), len(scale), len(shift))
	}
	if len(x.shape) < 2 || x.shape[1] != len(scale) {
		return nil, fmt.Errorf("ReorderedChannelAffine: want [N,%d,...], got %v", len(scale), x.shape)
	}
	for _, f := range from {
		if f < 0 || f >= len(scale) {
			return nil, fmt.Errorf("ReorderedChannelAffine: source channel %d outside [0,%d)", f, len(scale))
		}
	}
	return Apply(affine{scale: scale, shift: shift, from: from}, x)
}

// BatchNorm is inference-mode batch normalisation,
// y = gamma·(x − mean)/sqrt(var + eps) + beta, folded into one affine map
// (followed by a Relu where relu).
func BatchNorm(x *Node, gamma, beta, mean, variance []float32, eps float64, relu bool) (*Node, error) {
	c := len(gamma)
	if len(beta) != c || len(mean) != c || len(variance) != c {
		return nil, fmt.Errorf("BatchNorm: parameter lengths %d,%d,%d,%d differ", c, len(beta), len(mean), len(variance))
	}
	scale, shift := make([]float32, c), make([]float32, c)
	for i := range scale {
		s := float64(gamma[i]) / sqrt(float64(variance[i])+eps)
		scale[i] = float32(s)
		shift[i] = float32(float64(beta[i]) - s*float64(mean[i]))
	}
	if relu {
		return ChannelAffineRelu(x, scale, shift)
	}
	return ChannelAffine(x, scale, shift)
}
