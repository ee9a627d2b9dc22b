package onnxload

// Elementwise ops: activations, arithmetic with broadcasting, Where.

import (
	"errors"
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

var elementwiseOps = map[string]opFunc{
	"Relu": opRelu, "Sigmoid": unaryOp(graph.Sigmoid), "Tanh": unaryOp(graph.Tanh),
	"LeakyRelu": opLeakyRelu, "Clip": opClip,
	"Add": opBinary(graph.Add, func(a, b int64) int64 { return a + b }),
	"Sub": opBinary(graph.Sub, func(a, b int64) int64 { return a - b }),
	"Mul": opBinary(graph.Mul, func(a, b int64) int64 { return a * b }),
	"Div": opBinary(graph.Div, floorDiv),
	"Pow": opPow, "Sum": opVariadic(graph.Add), "Max": opVariadic(graph.Max), "Min": opVariadic(graph.Min), "Mean": opMean,
	"Sqrt": mathOp(graph.FnSqrt), "Exp": mathOp(graph.FnExp), "Log": mathOp(graph.FnLog), "Neg": mathOp(graph.FnNeg),
	"Abs": mathOp(graph.FnAbs), "Reciprocal": mathOp(graph.FnReciprocal), "Erf": mathOp(graph.FnErf),
	"Softplus": mathOp(graph.FnSoftplus), "Softsign": mathOp(graph.FnSoftsign), "Mish": mathOp(graph.FnMish),
	"Sin": mathOp(graph.FnSin), "Cos": mathOp(graph.FnCos), "Tan": mathOp(graph.FnTan),
	"Asin": mathOp(graph.FnAsin), "Acos": mathOp(graph.FnAcos), "Atan": mathOp(graph.FnAtan),
	"Sinh": mathOp(graph.FnSinh), "Cosh": mathOp(graph.FnCosh), "Asinh": mathOp(graph.FnAsinh),
	"Acosh": mathOp(graph.FnAcosh), "Atanh": mathOp(graph.FnAtanh),
	"Celu":            mathParamOp(graph.FnCelu, param{"alpha", 1}, param{"", 0}),
	"Shrink":          mathParamOp(graph.FnShrink, param{"lambd", 0.5}, param{"bias", 0}),
	"ThresholdedRelu": mathParamOp(graph.FnThresholdedRelu, param{"alpha", 1}, param{"", 0}),
	"HardSwish":       mathOp(graph.FnHardSwish),
	"HardSigmoid":     mathParamOp(graph.FnHardSigmoid, param{"alpha", 0.2}, param{"beta", 0.5}),
	"Elu":             mathParamOp(graph.FnElu, param{"alpha", 1}, param{"", 1}),
	"Selu":            mathParamOp(graph.FnSelu, param{"alpha", 1.67326319217681884765625}, param{"gamma", 1.05070102214813232421875}),
	"Gelu":            opGelu,
	"PRelu":           opPRelu,
	"Where":           opWhere,
}

func floorDiv(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func unaryOp(f func(*graph.Node) (*graph.Node, error)) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		return one(f(x))
	}
}

func opLeakyRelu(b *builder, n *Node, in []value) ([]value, error) {
	a := attrs{n: n}
	alpha := a.float("alpha", 0.01)
	x, err := b.float(n, in, 0)
	if err != nil || a.err != nil {
		return nil, errors.Join(a.err, err)
	}
	return one(graph.LeakyRelu(x, alpha))
}

func opClip(b *builder, n *Node, in []value) ([]value, error) {
	lo, hi := float32(-math.MaxFloat32), float32(math.MaxFloat32)
	var err error
	if b.m.Opset < 11 {
		if lo, err = attrFloat(n, "min", lo); err != nil {
			return nil, err
		}
		if hi, err = attrFloat(n, "max", hi); err != nil {
			return nil, err
		}
	} else {
		if present(in, 1) {
			if lo, err = constFloat(in, 1); err != nil {
				return nil, err
			}
		}
		if present(in, 2) {
			if hi, err = constFloat(in, 2); err != nil {
				return nil, err
			}
		}
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	return one(graph.Clip(x, lo, hi))
}

func opBinary(f func(a, b *graph.Node) (*graph.Node, error), fi func(a, b int64) int64) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		if present(in, 0) && present(in, 1) && in[0].i != nil && in[1].i != nil {
			t, err := b.foldBinary(in[0].i, in[1].i, fi)
			return []value{{i: t}}, err
		}
		x, y, err := b.floatPair(n, in, 0)
		if err != nil {
			return nil, err
		}
		if err := b.reserveFold(x, y); err != nil {
			return nil, err
		}
		return one(f(x, y))
	}
}

// reserveFold charges the broadcast of constant operands before it is
// folded at build time: two small constants can broadcast to a huge one.
// Values that depend on the input are charged as outputs (their buffers
// come at the first run).
func (b *builder) reserveFold(xs ...*graph.Node) error {
	var shape []int
	for _, x := range xs {
		if x.Live() {
			return nil
		}
		s, err := graph.BroadcastShape(shape, x.Shape())
		if err != nil {
			return nil // the op says why
		}
		shape = s
	}
	return b.reserve(shape, "constant broadcast")
}

// opVariadic folds Sum, Max and Min over their inputs pairwise.
func opVariadic(f func(a, b *graph.Node) (*graph.Node, error)) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		xs, err := b.floats(n, in)
		if err != nil {
			return nil, err
		}
		if err := b.reserveFold(xs...); err != nil {
			return nil, err
		}
		acc := xs[0]
		for _, x := range xs[1:] {
			if acc, err = f(acc, x); err != nil {
				return nil, err
			}
		}
		return one(acc, nil)
	}
}

func opMean(b *builder, n *Node, in []value) ([]value, error) {
	outs, err := opVariadic(graph.Add)(b, n, in)
	if err != nil {
		return nil, err
	}
	xs, _ := b.floats(n, in)
	return one(graph.Math(outs[0].f, graph.FnScale, 1/float64(len(xs)), 0))
}

// mathOp is an element-wise function without parameters.
func mathOp(fn graph.MathFn) opFunc { return mathParamOp(fn, param{}, param{}) }

// param is one of an element-wise function's two parameters: a float
// attribute, or a fixed value where name is empty.
type param struct {
	name string
	def  float32
}

func (p param) read(a *attrs) float64 {
	if p.name == "" {
		return float64(p.def)
	}
	return float64(a.float(p.name, p.def))
}

// mathParamOp is an element-wise function whose parameters are float
// attributes. Selu's defaults are float32 constants, read as onnxruntime
// reads them.
func mathParamOp(fn graph.MathFn, p, q param) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		a := attrs{n: n}
		v, w := p.read(&a), q.read(&a)
		x, err := b.float(n, in, 0)
		if err != nil || a.err != nil {
			return nil, errors.Join(a.err, err)
		}
		return one(graph.Math(x, fn, v, w))
	}
}

func opGelu(b *builder, n *Node, in []value) ([]value, error) {
	a := attrs{n: n}
	approx := a.string("approximate", "none")
	x, err := b.float(n, in, 0)
	if err != nil || a.err != nil {
		return nil, errors.Join(a.err, err)
	}
	switch approx {
	case "none":
		return one(graph.Math(x, graph.FnGelu, 0, 0))
	case "tanh":
		return one(graph.Math(x, graph.FnGeluTanh, 0, 0))
	}
	return nil, fmt.Errorf("attribute approximate = %q (want none or tanh)", approx)
}

// opPow raises to a constant scalar exponent with the math kernel (the
// form exporters write for squares and roots), to a tensor otherwise.
func opPow(b *builder, n *Node, in []value) ([]value, error) {
	if present(in, 0) && present(in, 1) && in[0].i != nil && in[1].i != nil {
		t, err := b.foldBinary(in[0].i, in[1].i, func(x, y int64) int64 {
			r := int64(1)
			for ; y > 0; y-- {
				r *= x
			}
			return r
		})
		return []value{{i: t}}, err
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	if e, ok := host(in[1]); ok && e.Numel() == 1 && len(e.Dims) <= len(x.Shape()) {
		return one(graph.Math(x, graph.FnPow, e.at(0), 0))
	}
	y, err := b.float(n, in, 1)
	if err != nil {
		return nil, err
	}
	return one(graph.Pow(x, y))
}

func opPRelu(b *builder, n *Node, in []value) ([]value, error) {
	x, slope, err := b.floatPair(n, in, 0)
	if err != nil {
		return nil, err
	}
	return one(graph.PRelu(x, slope))
}

// opWhere selects between two values by a constant condition: on the host
// for integers (shape arithmetic), as a graph op for floats.
func opWhere(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) || !present(in, 1) || !present(in, 2) {
		return nil, errors.New("Where needs three inputs")
	}
	c, ok := host(in[0])
	if !ok {
		return nil, errors.New("the condition depends on the graph input (no gradient flows through a mask)")
	}
	cond := make([]bool, c.Numel())
	for k := range cond {
		cond[k] = c.at(k) != 0
	}
	if in[1].i != nil && in[2].i != nil {
		out, err := graph.BroadcastShape(intShape(c), intShape(in[1].i))
		if err == nil {
			out, err = graph.BroadcastShape(out, intShape(in[2].i))
		}
		if err == nil {
			err = b.reserve(out, "Where")
		}
		if err != nil {
			return nil, err
		}
		data := make([]int64, graph.Numel(out))
		for o := range data {
			if cond[bindex(o, out, intShape(c))] {
				data[o] = in[1].i.Int[bindex(o, out, intShape(in[1].i))]
			} else {
				data[o] = in[2].i.Int[bindex(o, out, intShape(in[2].i))]
			}
		}
		return []value{intValue(out, data)}, nil
	}
	x, y, err := b.floatPair(n, in, 1)
	if err != nil {
		return nil, err
	}
	return one(graph.Where(cond, intShape(c), x, y))
}
