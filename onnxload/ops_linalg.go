package onnxload

// Matrix products and softmax.

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

var linalgOps = map[string]opFunc{
	"Gemm": opGemm, "MatMul": opMatMul, "Softmax": opSoftmax(false), "LogSoftmax": opSoftmax(true), "Hardmax": opAlongAxis(graph.Hardmax),
}

func opGemm(b *builder, n *Node, in []value) ([]value, error) {
	ops, err := b.operandsOf(n, in, 2, 0)
	if err != nil {
		return nil, err
	}
	a, w := ops[0], ops[1]
	at := attrs{n: n}
	ta, tb := at.int("transA", 0), at.int("transB", 0)
	alpha, beta := at.float("alpha", 1), at.float("beta", 1)
	if at.err != nil {
		return nil, at.err
	}
	y, err := graph.MatMul(a, w, ta != 0, tb != 0, alpha)
	if err != nil || !present(in, 2) || beta == 0 {
		return one(y, err)
	}
	c, err := b.float(n, in, 2)
	if err != nil {
		return nil, err
	}
	if beta != 1 {
		if c, err = graph.Mul(c, b.g.Const(&graph.Tensor{Data: []float32{beta}})); err != nil {
			return nil, err
		}
	}
	return one(graph.Add(y, c))
}

// opMatMul follows numpy: 1-D operands become a row or a column; an N-D
// input times a 2-D constant is one large product over the flattened
// leading axes (a Linear layer on tokens or NHWC maps); anything else is a
// batched product with broadcast batch axes (attention).
func opMatMul(b *builder, n *Node, in []value) ([]value, error) {
	ops, err := b.operandsOf(n, in, 2, 0)
	if err != nil {
		return nil, err
	}
	a, w := ops[0], ops[1]
	as, ws := a.Shape(), w.Shape()
	if len(as) == 0 || len(ws) == 0 {
		return nil, fmt.Errorf("MatMul of %v and %v: scalars are not matrices", as, ws)
	}
	var drop []int // axes added for 1-D operands, removed from the result
	if len(as) == 1 {
		if a, err = graph.Reshape(a, []int{1, as[0]}); err != nil {
			return nil, err
		}
		drop = append(drop, -2)
	}
	if len(ws) == 1 {
		if w, err = graph.Reshape(w, []int{ws[0], 1}); err != nil {
			return nil, err
		}
		drop = append(drop, -1)
	}
	as, ws = a.Shape(), w.Shape()
	var y *graph.Node
	if len(ws) == 2 {
		lead := as[:len(as)-1]
		a2, err := graph.Reshape(a, []int{graph.Numel(lead), as[len(as)-1]})
		if err != nil {
			return nil, err
		}
		if y, err = graph.MatMul(a2, w, false, false, 1); err != nil {
			return nil, err
		}
		if y, err = graph.Reshape(y, append(append([]int(nil), lead...), ws[1])); err != nil {
			return nil, err
		}
	} else if y, err = graph.BatchMatMul(a, w); err != nil {
		return nil, err
	}
	if len(drop) == 0 {
		return one(y, nil)
	}
	ys := y.Shape()
	var out []int
	for d, v := range ys {
		keep := true
		for _, k := range drop {
			keep = keep && d != len(ys)+k
		}
		if keep {
			out = append(out, v)
		}
	}
	return one(graph.Reshape(y, out))
}

func opSoftmax(log bool) opFunc {
	f := graph.Softmax
	if log {
		f = graph.LogSoftmax
	}
	return opAlongAxis(f)
}

// opAlongAxis is an op along one axis as Softmax reads it: the axis
// attribute from opset 13, the input coerced to 2-D at the axis before.
func opAlongAxis(f func(*graph.Node, int) (*graph.Node, error)) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		s := x.Shape()
		if b.m.Opset >= 13 {
			axis, err := attrInt(n, "axis", -1)
			if err != nil {
				return nil, err
			}
			a, err := normAxis(axis, len(s))
			if err != nil {
				return nil, err
			}
			return one(f(x, a))
		}
		// Before opset 13 the input is coerced to 2-D at axis.
		axis, err := attrInt(n, "axis", 1)
		if err != nil {
			return nil, err
		}
		if axis < 0 {
			axis += int64(len(s))
		}
		if axis < 0 || axis > int64(len(s)) {
			return nil, fmt.Errorf("axis %d out of range for shape %v", axis, s)
		}
		x2, err := graph.Reshape(x, []int{graph.Numel(s[:axis]), graph.Numel(s[axis:])})
		if err != nil {
			return nil, err
		}
		y, err := f(x2, 1)
		if err != nil {
			return nil, err
		}
		return one(graph.Reshape(y, s))
	}
}
