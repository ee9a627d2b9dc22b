package graph

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

type unaryKind int

const (
	kindRelu unaryKind = iota
	kindLeakyRelu
	kindClip
	kindSigmoid
	kindTanh
	kindIdentity
)

// unary is an elementwise activation y = f(x).
type unary struct {
	elementwise
	kind unaryKind
	a, b float32 // LeakyRelu slope; Clip bounds
}

func (u unary) String() string {
	switch u.kind {
	case kindRelu:
		return "Relu"
	case kindLeakyRelu:
		return fmt.Sprintf("LeakyRelu(%g)", u.a)
	case kindClip:
		return fmt.Sprintf("Clip(%g,%g)", u.a, u.b)
	case kindSigmoid:
		return "Sigmoid"
	case kindTanh:
		return "Tanh"
	}
	return "Identity"
}

// elementwise is what the kernels of one input share that map each
// element to one of the same shape (unary, mathFn): the shape, a gradient,
// and every element written.
type elementwise struct{}

func (elementwise) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("want 1 input, got %d", len(in))
	}
	return append([]int(nil), in[0]...), nil
}

func (elementwise) Diffable(int) bool { return true }

// Overwrites implements Overwriter.
func (elementwise) Overwrites(bool, int) bool { return true }

// elementChunk is how many elements one goroutine of an elementwise kernel
// takes: big enough that the start of a goroutine does not show.
const elementChunk = 1 << 15

// chunked runs f over [0, n) in elementChunk pieces, in parallel.
func chunked(n int, f func(lo, hi int)) {
	parallel.For((n+elementChunk-1)/elementChunk, func(c int) {
		f(c*elementChunk, min((c+1)*elementChunk, n))
	})
}

func (u unary) Forward(in []*Tensor, out *Tensor) {
	chunked(len(out.Data), func(lo, hi int) {
		u.forward(in[0].Data[lo:hi], out.Data[lo:hi])
	})
}

func (u unary) forward(x, y []float32) {
	switch u.kind {
	case kindRelu:
		vec.Relu(y, x)
	case kindLeakyRelu:
		for i, v := range x {
			if v < 0 {
				v *= u.a
			}
			y[i] = v
		}
	case kindClip:
		vec.Clip(y, x, u.a, u.b)
	case kindSigmoid:
		// The float32 exponential (relative error 2e-7), eight at a time:
		// the SiLU gates were a fifth of an EfficientNet step.
		vec.Sigmoid(y, x)
	case kindTanh:
		for i, v := range x {
			y[i] = float32(math.Tanh(float64(v)))
		}
	default:
		copy(y, x)
	}
}

// Backward uses the subgradient 0 at the kinks (x = 0 for Relu, the bounds
// for Clip), as PyTorch and onnxruntime's training ops do.
// GradReads implements GradReader: a Relu's gradient reads its output;
// the other activations, everything.
func (u unary) GradReads(i, j int) bool { return u.kind != kindRelu || j == -1 }

func (u unary) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	chunked(len(out.Data), func(lo, hi int) {
		u.backward(in[0].Data[lo:hi], out.Data[lo:hi], gout.Data[lo:hi], gin.Data[lo:hi])
	})
}

func (u unary) backward(x, y, g, d []float32) {
	switch u.kind {
	case kindRelu:
		// From the output: Relu passes g where it is positive.
		vec.ReluGrad(d, y, g)
	case kindLeakyRelu:
		for i, v := range x {
			if v > 0 {
				d[i] = g[i]
			} else {
				d[i] = u.a * g[i]
			}
		}
	case kindClip:
		vec.ClipGrad(d, x, g, u.a, u.b)
	case kindSigmoid:
		for i, v := range y {
			d[i] = g[i] * v * (1 - v)
		}
	case kindTanh:
		for i, v := range y {
			d[i] = g[i] * (1 - v*v)
		}
	default:
		copy(d, g)
	}
}

// Relu is max(x, 0).
func Relu(x *Node) (*Node, error) { return Apply(unary{kind: kindRelu}, x) }

// LeakyRelu is x for x > 0, alpha·x otherwise.
func LeakyRelu(x *Node, alpha float32) (*Node, error) {
	return Apply(unary{kind: kindLeakyRelu, a: alpha}, x)
}

// Clip limits x to [lo, hi].
func Clip(x *Node, lo, hi float32) (*Node, error) {
	if lo > hi {
		return nil, fmt.Errorf("Clip: min %g > max %g", lo, hi)
	}
	return Apply(unary{kind: kindClip, a: lo, b: hi}, x)
}

// Sigmoid is 1/(1+exp(-x)).
func Sigmoid(x *Node) (*Node, error) { return Apply(unary{kind: kindSigmoid}, x) }

// Tanh is tanh(x).
func Tanh(x *Node) (*Node, error) { return Apply(unary{kind: kindTanh}, x) }
