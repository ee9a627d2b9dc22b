package onnxload

import (
	"fmt"
	"sort"

	"github.com/invrep/invrep/graph"
)

type opFunc func(b *builder, n *Node, in []value) ([]value, error)

// ops maps each supported ONNX op type to its translation into graph ops,
// gathered from the family files (ops_*.go, mirroring graph's kernels).
// Opset-dependent forms (attributes that became inputs) are handled there.
var ops map[string]opFunc

func init() {
	ops = map[string]opFunc{}
	for _, family := range []map[string]opFunc{convOps, elementwiseOps, normOps, linalgOps, reduceOps, tensorOps, constOps, quantOps, qoperatorOps, contribOps, elementOps} {
		for k, f := range family {
			ops[k] = f
		}
	}
}

// SupportedOps lists the op types Build accepts.
func SupportedOps() []string {
	var out []string
	for k := range ops {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// floatPair is inputs k and k+1 as float nodes: a binary op's operands.
func (b *builder) floatPair(n *Node, in []value, k int) (*graph.Node, *graph.Node, error) {
	x, err := b.float(n, in, k)
	if err != nil {
		return nil, nil, err
	}
	y, err := b.float(n, in, k+1)
	return x, y, err
}

// float returns input k as a float node (int constants are converted).
func (b *builder) float(n *Node, in []value, k int) (*graph.Node, error) {
	if k >= len(in) || (in[k].f == nil && in[k].i == nil) {
		return nil, fmt.Errorf("input %d is missing", k)
	}
	if in[k].f != nil {
		return in[k].f, nil
	}
	t, err := floatTensor(in[k].i)
	if err != nil {
		return nil, err
	}
	return b.g.Const(t), nil
}

func present(in []value, k int) bool { return k < len(in) && (in[k].f != nil || in[k].i != nil) }

// constInts returns input k as a constant integer vector.
func constInts(in []value, k int) ([]int64, error) {
	if !present(in, k) {
		return nil, fmt.Errorf("input %d is missing", k)
	}
	if in[k].i != nil {
		return in[k].i.Int, nil
	}
	t, ok := in[k].f.Constant()
	if !ok {
		return nil, fmt.Errorf("input %d must be a constant (it depends on the graph input)", k)
	}
	out := make([]int64, len(t.Data))
	for i, v := range t.Data {
		out[i] = int64(v)
	}
	return out, nil
}

// constFloat returns input k as a constant scalar.
func constFloat(in []value, k int) (float32, error) {
	if in[k].i != nil {
		if len(in[k].i.Int) != 1 {
			return 0, fmt.Errorf("input %d must be a scalar", k)
		}
		return float32(in[k].i.Int[0]), nil
	}
	t, ok := in[k].f.Constant()
	if !ok || len(t.Data) != 1 {
		return 0, fmt.Errorf("input %d must be a constant scalar", k)
	}
	return t.Data[0], nil
}

func constFloats(in []value, k, want int) ([]float32, error) {
	if !present(in, k) {
		return nil, fmt.Errorf("input %d is missing", k)
	}
	if in[k].f == nil {
		return nil, fmt.Errorf("input %d must be a float constant", k)
	}
	t, ok := in[k].f.Constant()
	if !ok {
		return nil, fmt.Errorf("input %d must be a constant (it depends on the graph input)", k)
	}
	if len(t.Data) != want {
		return nil, fmt.Errorf("input %d has %d values, want %d", k, len(t.Data), want)
	}
	return t.Data, nil
}

func one(v *graph.Node, err error) ([]value, error) {
	if err != nil {
		return nil, err
	}
	return []value{{f: v}}, nil
}

// host returns a constant value as a host tensor: integer data as it is,
// a constant float node's data as Float. It is false for values that
// depend on the graph input.
func host(v value) (*Tensor, bool) {
	if v.i != nil {
		return v.i, true
	}
	if v.f == nil {
		return nil, false
	}
	t, ok := v.f.Constant()
	if !ok {
		return nil, false
	}
	return &Tensor{Dims: dims64(t.Shape), Float: t.Data}, true
}

// at returns element i of a host tensor as a float64.
func (t *Tensor) at(i int) float64 {
	if t.IsInt {
		return float64(t.Int[i])
	}
	return float64(t.Float[i])
}

// intValue wraps integer data of the given shape as a value.
func intValue(shape []int, data []int64) value {
	return value{i: &Tensor{Dims: dims64(shape), Int: data, IsInt: true}}
}

// boolValue wraps a mask as a bool tensor value.
func boolValue(shape []int, data []bool) value {
	v := intValue(shape, make([]int64, len(data)))
	v.i.DataType = dtBool
	for k, b := range data {
		v.i.Int[k] = b2i(b)
	}
	return v
}

// inputs returns the present inputs of a variadic op as float nodes.
func (b *builder) floats(n *Node, in []value) ([]*graph.Node, error) {
	var xs []*graph.Node
	for k := range in {
		if !present(in, k) {
			continue
		}
		x, err := b.float(n, in, k)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	if len(xs) == 0 {
		return nil, fmt.Errorf("no inputs")
	}
	return xs, nil
}

// operandsOf returns the first want inputs as float nodes, then the
// optional ones after them (nil where absent): Conv's x, w and bias,
// Gemm's A, B and C.
func (b *builder) operandsOf(n *Node, in []value, want, optional int) ([]*graph.Node, error) {
	out := make([]*graph.Node, want+optional)
	for k := range out {
		if k >= want && !present(in, k) {
			continue
		}
		x, err := b.float(n, in, k)
		if err != nil {
			return nil, err
		}
		out[k] = x
	}
	return out, nil
}
