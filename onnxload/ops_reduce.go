package onnxload

// Reductions: ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL1,
// ReduceL2, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp (floats, on
// the graph), and ReduceProd on integers (shape arithmetic).

import (
	"errors"
	"fmt"

	"github.com/invrep/invrep/graph"
)

var reduceOps = map[string]opFunc{
	"ReduceMean": opReduce(graph.ReduceMean), "ReduceSum": opReduce(graph.ReduceSum),
	"ReduceMax": opReduce(graph.ReduceMax), "ReduceMin": opReduce(graph.ReduceMin),
	"ReduceL1": opReduce(graph.ReduceL1), "ReduceL2": opReduce(graph.ReduceL2),
	"ReduceSumSquare": opReduce(graph.ReduceSumSquare), "ReduceLogSumExp": opReduce(graph.ReduceLogSumExp),
	"ReduceLogSum": opReduceLogSum, "ReduceProd": opReduceProd, "TopK": opTopK,
}

// reduceAxes reads a reduction's axes: an attribute up to opset 17 (12
// for ReduceSum), the second input from then on. noop reports an empty
// axes list with noop_with_empty_axes set: the op is the identity.
func reduceAxes(b *builder, n *Node, in []value) (axes []int, keep, noop bool, err error) {
	inputFrom := int64(18)
	if n.OpType == "ReduceSum" {
		inputFrom = 13
	}
	a := attrs{n: n}
	keep = a.int("keepdims", 1) != 0
	noopEmpty := a.int("noop_with_empty_axes", 0) != 0
	if a.err != nil {
		return nil, false, false, a.err
	}
	var raw []int64
	if b.m.Opset < inputFrom {
		if raw, _, err = attrInts(n, "axes"); err != nil {
			return nil, false, false, err
		}
	} else if present(in, 1) {
		if raw, err = constInts(in, 1); err != nil {
			return nil, false, false, fmt.Errorf("axes: %w", err)
		}
	}
	for _, v := range raw {
		axes = append(axes, int(v))
	}
	return axes, keep, len(raw) == 0 && noopEmpty, nil
}

func opReduce(kind graph.ReduceKind) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		if !present(in, 0) {
			return nil, errors.New("input 0 is missing")
		}
		axes, keep, noop, err := reduceAxes(b, n, in)
		if err != nil {
			return nil, err
		}
		if noop {
			return []value{in[0]}, nil
		}
		if in[0].i != nil && (kind == graph.ReduceSum || kind == graph.ReduceMax || kind == graph.ReduceMin) {
			return reduceInts(in[0].i, axes, keep, n.OpType)
		}
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		return one(graph.Reduce(x, kind, axes, keep))
	}
}

func opReduceLogSum(b *builder, n *Node, in []value) ([]value, error) {
	s, err := opReduce(graph.ReduceSum)(b, n, in)
	if err != nil {
		return nil, err
	}
	x, err := b.float(n, s, 0)
	if err != nil {
		return nil, err
	}
	return one(graph.Math(x, graph.FnLog, 0, 0))
}

func opReduceProd(b *builder, n *Node, in []value) ([]value, error) {
	if present(in, 0) && in[0].f != nil {
		return opReduce(graph.ReduceProd)(b, n, in)
	}
	if !present(in, 0) || in[0].i == nil {
		return nil, errors.New("input 0 is missing")
	}
	axes, keep, noop, err := reduceAxes(b, n, in)
	if err != nil {
		return nil, err
	}
	if noop {
		return []value{in[0]}, nil
	}
	return reduceInts(in[0].i, axes, keep, n.OpType)
}

// reduceInts folds an integer tensor on the host (shape arithmetic such as
// the product of a shape's dims).
func reduceInts(t *Tensor, axes []int, keep bool, op string) ([]value, error) {
	s := intShape(t)
	red := map[int]bool{}
	for _, a := range axes {
		ax, err := normAxis(int64(a), len(s))
		if err != nil {
			return nil, err
		}
		red[ax] = true
	}
	if len(axes) == 0 {
		for d := range s {
			red[d] = true
		}
	}
	var out, keepShape []int
	for d, v := range s {
		if !red[d] {
			out = append(out, v)
			keepShape = append(keepShape, v)
		} else {
			keepShape = append(keepShape, 1)
		}
	}
	data := make([]int64, graph.Numel(keepShape))
	seen := make([]bool, len(data))
	for i, v := range t.Int {
		o := 0
		rem := i
		mul := 1
		for d := len(s) - 1; d >= 0; d-- {
			c := rem % s[d]
			rem /= s[d]
			if !red[d] {
				o += c * mul
				mul *= s[d]
			}
		}
		switch {
		case !seen[o]:
			data[o] = v
		case op == "ReduceSum":
			data[o] += v
		case op == "ReduceProd":
			data[o] *= v
		case op == "ReduceMax":
			data[o] = max(data[o], v)
		case op == "ReduceMin":
			data[o] = min(data[o], v)
		}
		seen[o] = true
	}
	if keep {
		out = keepShape
	}
	return []value{intValue(out, data)}, nil
}

// opTopK is TopK's values (its first output), the k largest or smallest
// along axis, sorted; k a constant (the K input, or before opset 10 the k
// attribute). The indices (second output) depend on the values and are
// not built.
func opTopK(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	a := attrs{n: n}
	axis, largest, sorted := a.int("axis", -1), a.int("largest", 1), a.int("sorted", 1)
	k := a.int("k", 0)
	if a.err != nil {
		return nil, a.err
	}
	if present(in, 1) {
		ks, err := constInts(in, 1)
		if err != nil || len(ks) != 1 {
			return nil, fmt.Errorf("K must be one constant integer (%v)", err)
		}
		k = ks[0]
	}
	if sorted == 0 {
		// Unsorted order is the runtime's choice; sorted is one of them.
		sorted = 1
	}
	ax, err := normAxis(axis, len(x.Shape()))
	if err != nil {
		return nil, err
	}
	if k < 1 || k > int64(x.Shape()[ax]) {
		return nil, fmt.Errorf("K = %d: axis %d of %v has %d values", k, ax, x.Shape(), x.Shape()[ax])
	}
	v, err := graph.TopK(x, ax, int(k), largest != 0)
	if err != nil {
		return nil, err
	}
	return []value{{f: v}}, nil
}
