package onnxload

// Quantised models, in the forms onnxruntime's quantiser writes: QDQ
// (QuantizeLinear/DequantizeLinear around float ops) and dynamic
// (DynamicQuantizeLinear feeding ConvInteger/MatMulInteger). Integer
// tensors are float32 values holding integers, exact for the 8- and
// 16-bit types; the products of ConvInteger and MatMulInteger are exact
// while their sums stay below 2^24 in magnitude. Quantisers pass the
// gradient straight through inside their range (graph.Quantize).

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/invrep/invrep/graph"
)

var quantOps = map[string]opFunc{
	"QuantizeLinear": opQuantizeLinear, "DequantizeLinear": opDequantizeLinear,
	"DynamicQuantizeLinear": opDynamicQuantizeLinear, "ConvInteger": opConvInteger, "MatMulInteger": opMatMulInteger,
}

// Element types of quantised tensors (TensorProto.DataType).
const (
	dtUint4, dtInt4 = 21, 22
)

// quantRange is the integers an element type holds.
func quantRange(dt int64) (lo, hi float32, err error) {
	switch dt {
	case dtUint8:
		return 0, 255, nil
	case dtInt8:
		return -128, 127, nil
	case dtUint16:
		return 0, 65535, nil
	case dtInt16:
		return -32768, 32767, nil
	case dtUint4:
		return 0, 15, nil
	case dtInt4:
		return -8, 7, nil
	}
	return 0, 0, fmt.Errorf("quantisation to %s is not supported (uint8, int8, uint16, int16, uint4, int4 are)", elemTypeName(dt))
}

// quantParams reads a quantiser's scale (input k) and zero point (k+1):
// constants or, after DynamicQuantizeLinear, values computed from the
// input. Constant scales must be positive and finite, constant zero
// points integers in their type's range. It returns them as nodes shaped
// to broadcast against x along axis, the axis (−1 for one scale), and the
// element type of the zero point (dflt where there is none).
func (b *builder) quantParams(n *Node, in []value, k int, x []int, dflt int64) (scale, zero *graph.Node, axis int, dt int64, err error) {
	if !present(in, k) {
		return nil, nil, 0, 0, errors.New("the scale (input 1) is missing")
	}
	dt = dflt
	if present(in, k+1) && in[k+1].i != nil && in[k+1].i.DataType != 0 {
		dt = int64(in[k+1].i.DataType)
	}
	// QuantizeLinear's output_dtype (opset 21) names the type outright:
	// the zero point must fit it.
	if od, err := attrInt(n, "output_dtype", 0); err == nil && od != 0 && n.OpType == "QuantizeLinear" {
		dt = od
	}
	lo, hi, err := quantRange(dt)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	count := graph.Numel(in[k].shape())
	axis = -1
	if count != 1 {
		axis = attrAxis(n, len(x))
		if axis < 0 || axis >= len(x) {
			return nil, nil, 0, 0, fmt.Errorf("axis out of range for a rank-%d input", len(x))
		}
		if len(in[k].shape()) != 1 || count != x[axis] {
			return nil, nil, 0, 0, fmt.Errorf("scale of shape %v does not match axis %d of the input %v (blocked quantisation is not supported)", in[k].shape(), axis, x)
		}
	}
	if t, ok := host(in[k]); ok {
		for i := range t.Numel() {
			if s := t.at(int(i)); !(s > 0) || math.IsInf(s, 0) {
				return nil, nil, 0, 0, fmt.Errorf("scale %g at index %d: scales must be positive and finite", s, i)
			}
		}
	}
	if scale, err = b.float(n, in, k); err != nil {
		return nil, nil, 0, 0, err
	}
	if present(in, k+1) {
		if t, ok := host(in[k+1]); ok {
			if graph.Numel(in[k+1].shape()) != count {
				return nil, nil, 0, 0, fmt.Errorf("zero point has %d values, scale %d", graph.Numel(in[k+1].shape()), count)
			}
			for i := range t.Numel() {
				if z := t.at(int(i)); z != math.Trunc(z) || z < float64(lo) || z > float64(hi) {
					return nil, nil, 0, 0, fmt.Errorf("zero point %g at index %d is outside %s's range %g..%g", z, i, elemTypeName(dt), lo, hi)
				}
			}
		}
		if zero, err = b.float(n, in, k+1); err != nil {
			return nil, nil, 0, 0, err
		}
	} else {
		zero = b.g.Const(&graph.Tensor{Shape: []int{}, Data: []float32{0}})
	}
	return scale, zero, axis, dt, nil
}

// attrAxis is the axis attribute (default 1), made non-negative.
func attrAxis(n *Node, rank int) int {
	a, err := attrInt(n, "axis", 1)
	if err != nil {
		return -1
	}
	if a < 0 {
		a += int64(rank)
	}
	return int(a)
}

// along reshapes per-axis parameters [C] to broadcast against a rank-r
// tensor along axis ([1,C,1,1] for axis 1 of rank 4).
func along(p *graph.Node, axis, rank int) (*graph.Node, error) {
	if axis < 0 || graph.Numel(p.Shape()) == 1 {
		return p, nil
	}
	shape := make([]int, rank)
	for i := range shape {
		shape[i] = 1
	}
	shape[axis] = graph.Numel(p.Shape())
	return graph.Reshape(p, shape)
}

func opQuantizeLinear(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	dflt := int64(dtUint8)
	if v, err := attrInt(n, "block_size", 0); err == nil && v != 0 {
		return nil, errors.New("blocked quantisation (block_size) is not supported")
	}
	scale, zero, axis, dt, err := b.quantParams(n, in, 1, x.Shape(), dflt)
	if err != nil {
		return nil, err
	}
	if b.m.Dequantized {
		return one(graph.Unquantize(x, scale, zero, axis))
	}
	lo, hi, _ := quantRange(dt)
	return one(graph.Quantize(x, scale, zero, axis, lo, hi))
}

func opDequantizeLinear(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	dflt := int64(dtUint8)
	if in[0].i != nil && in[0].i.DataType != 0 {
		dflt = int64(in[0].i.DataType)
	}
	if v, err := attrInt(n, "block_size", 0); err == nil && v != 0 {
		return dequantizeBlocked(b, n, in, v)
	}
	if in[0].i != nil && in[0].i.DataType == dtInt32 {
		// int32 biases: any zero point is 0, the range that of int32.
		dflt = dtInt32
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	var scale, zero *graph.Node
	axis := -1
	if dflt == dtInt32 {
		if scale, err = b.float(n, in, 1); err != nil {
			return nil, err
		}
		zero = b.g.Const(&graph.Tensor{Shape: []int{}, Data: []float32{0}})
		if c := graph.Numel(scale.Shape()); c != 1 {
			axis = attrAxis(n, len(x.Shape()))
		}
	} else if scale, zero, axis, _, err = b.quantParams(n, in, 1, x.Shape(), dflt); err != nil {
		return nil, err
	}
	rank := len(x.Shape())
	if scale, err = along(scale, axis, rank); err != nil {
		return nil, err
	}
	if zero, err = along(zero, axis, rank); err != nil {
		return nil, err
	}
	d, err := graph.Sub(x, zero)
	if err != nil {
		return nil, err
	}
	return one(graph.Mul(d, scale))
}

func opDynamicQuantizeLinear(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	scale, err := graph.DynamicQuantScale(x)
	if err != nil {
		return nil, err
	}
	zero, err := graph.DynamicQuantZero(x)
	if err != nil {
		return nil, err
	}
	quantize := func(x, s, z *graph.Node) (*graph.Node, error) { return graph.Quantize(x, s, z, -1, 0, 255) }
	if b.m.Dequantized {
		quantize = func(x, s, z *graph.Node) (*graph.Node, error) { return graph.Unquantize(x, s, z, -1) }
	}
	y, err := quantize(x, scale, zero)
	if err != nil {
		return nil, err
	}
	return []value{{f: y}, {f: scale}, {f: zero}}, nil
}

// shifted is input k less its zero point (input zk, absent: 0), the zero
// point reshaped to broadcast along axis of a rank-r operand.
func (b *builder) shifted(n *Node, in []value, k, zk, axis int) (*graph.Node, error) {
	x, err := b.float(n, in, k)
	if err != nil {
		return nil, err
	}
	if !present(in, zk) {
		return x, nil
	}
	z, err := b.float(n, in, zk)
	if err != nil {
		return nil, err
	}
	if graph.Numel(z.Shape()) > 1 {
		if z, err = along(z, axis, len(x.Shape())); err != nil {
			return nil, err
		}
	}
	return graph.Sub(x, z)
}

// opConvInteger is Conv of the zero-point-shifted operands: padding x
// with its zero point, as the operator does, is padding the shifted x
// with 0. The weight's zero point is one or one per output channel.
func opConvInteger(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.shifted(n, in, 0, 2, -1)
	if err != nil {
		return nil, err
	}
	w, err := b.shifted(n, in, 1, 3, 0)
	if err != nil {
		return nil, err
	}
	return exactConv(b, n, []value{{f: x}, {f: w}})
}

// opMatMulInteger is MatMul of the shifted operands: a's zero point is one
// or one per row (the second-last axis), b's one or one per column.
func opMatMulInteger(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) || !present(in, 1) {
		return nil, errors.New("an operand is missing")
	}
	ra, rb := len(in[0].shape()), len(in[1].shape())
	a, err := b.shifted(n, in, 0, 2, ra-2)
	if err != nil {
		return nil, err
	}
	w, err := b.shifted(n, in, 1, 3, rb-1)
	if err != nil {
		return nil, err
	}
	return opMatMul(b, n, []value{{f: a}, {f: w}})
}

// Quantizers counts the model's quantisers of values (QuantizeLinear,
// DynamicQuantizeLinear), its integer products (ConvInteger,
// MatMulInteger) and its QLinear ops: 0 for a float model.
func (m *Model) Quantizers() int {
	n := 0
	for _, node := range m.Nodes {
		switch node.OpType {
		case "QuantizeLinear", "DynamicQuantizeLinear", "ConvInteger", "MatMulInteger", msDomain + "QuantizeLinear":
			n++
		default:
			if isQLinear(node.OpType) {
				n++
			}
		}
	}
	return n
}

// QuantNotes says, for each node output that quantisation touches, how:
// "quantised to uint8" for a quantiser's output, "integer product" for
// ConvInteger and MatMulInteger, "int8 weights" for a float op whose
// weight is an integer initializer dequantised. 'invrep layers' prints
// them beside the nodes.
func (m *Model) QuantNotes() map[string]string {
	notes := map[string]string{}
	dequantOf := map[string]int32{} // output of DequantizeLinear → type of its integer input
	for _, n := range m.Nodes {
		if n.OpType == "DequantizeLinear" && len(n.Inputs) > 0 && len(n.Outputs) > 0 {
			if t, ok := m.Initializers[n.Inputs[0]]; ok && t.IsInt {
				dequantOf[n.Outputs[0]] = t.DataType
			}
		}
	}
	for _, n := range m.Nodes {
		if len(n.Outputs) == 0 {
			continue
		}
		if isQLinear(n.OpType) {
			notes[n.Outputs[0]] = "quantised op"
			continue
		}
		switch n.OpType {
		case "QuantizeLinear", msDomain + "QuantizeLinear":
			dt := int64(dtUint8)
			if len(n.Inputs) > 2 {
				if z, ok := m.Initializers[n.Inputs[2]]; ok && z.DataType != 0 {
					dt = int64(z.DataType)
				}
			}
			if od, err := attrInt(&n, "output_dtype", 0); err == nil && od != 0 {
				dt = od
			}
			notes[n.Outputs[0]] = "quantised to " + elemTypeName(dt)
		case "DynamicQuantizeLinear":
			notes[n.Outputs[0]] = "quantised to uint8 (range from the data)"
		case "ConvInteger", "MatMulInteger":
			notes[n.Outputs[0]] = "integer product"
		case "Conv", "ConvTranspose", "Gemm", "MatMul":
			if len(n.Inputs) > 1 {
				if dt, ok := dequantOf[n.Inputs[1]]; ok {
					notes[n.Outputs[0]] = elemTypeName(int64(dt)) + " weights"
				}
			}
		}
	}
	return notes
}

// isQLinear reports the QOperator ops: integer inputs and outputs.
func isQLinear(op string) bool {
	op = strings.TrimPrefix(op, msDomain)
	return strings.HasPrefix(op, "QLinear") || op == "QGemm"
}

// dequantizeBlocked is DequantizeLinear with opset 21's block_size on a
// constant (quantised weights): the scale and zero point have x's shape
// but for axis, which holds ⌈x[axis]/block⌉ blocks; element i of that
// axis takes block ⌊i/block⌋'s. Computed on the host, it is a constant.
func dequantizeBlocked(b *builder, n *Node, in []value, block int64) ([]value, error) {
	x, ok := host(in[0])
	if !ok {
		return nil, errors.New("blocked dequantisation of values that depend on the input is not supported")
	}
	if !present(in, 1) {
		return nil, errors.New("the scale (input 1) is missing")
	}
	st, ok := host(in[1])
	if !ok {
		return nil, errors.New("the scale (input 1) must be a constant")
	}
	rank := len(x.Dims)
	axis := attrAxis(n, rank)
	if axis < 0 || axis >= rank || len(st.Dims) != rank || block <= 0 {
		return nil, fmt.Errorf("block_size %d: scale %v does not block input %v along axis %d", block, st.Dims, x.Dims, axis)
	}
	for k := range x.Dims {
		want := x.Dims[k]
		if k == axis {
			want = (x.Dims[k] + block - 1) / block
		}
		if st.Dims[k] != want {
			return nil, fmt.Errorf("block_size %d: scale %v does not block input %v along axis %d", block, st.Dims, x.Dims, axis)
		}
	}
	var zt *Tensor
	if present(in, 2) {
		if zt, ok = host(in[2]); !ok || zt.Numel() != st.Numel() {
			return nil, errors.New("the zero point (input 2) must be a constant shaped as the scale")
		}
	}
	inner := int64(1)
	for _, d := range x.Dims[axis+1:] {
		inner *= d
	}
	span, blocks := x.Dims[axis], st.Dims[axis]
	out := graph.NewTensor(intShape(x)...)
	for i := range out.Data {
		k := int64(i)
		o, a, r := k/(span*inner), (k/inner)%span, k%inner
		j := int((o*blocks+a/block)*inner + r)
		s := st.at(j)
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("scale %g at index %d: scales must be positive and finite", s, j)
		}
		z := 0.0
		if zt != nil {
			z = zt.at(j)
		}
		out.Data[i] = float32((x.at(i) - z) * s)
	}
	return one(b.g.Const(out), nil)
}
