package onnxload

// The QOperator form of quantised models: integer tensors flow from the
// first QuantizeLinear to the last DequantizeLinear, and every op between
// is a QLinear one (QLinearConv and QLinearMatMul in the standard domain,
// the rest in com.microsoft, as onnxruntime's quantiser and its fused
// graphs write them). Each is computed as onnxruntime computes it: an
// integer accumulator requantised by the multiplier xs·ws/ys (Conv,
// MatMul, Gemm, global average pooling), or the float op on dequantised
// values quantised again (the lookup tables of Sigmoid and LeakyRelu, the
// float average pooling, Concat's requantisation), or onnxruntime's own
// scale ratios (Add, Mul).

import (
	"errors"
	"fmt"
	"slices"

	"github.com/invrep/invrep/graph"
)

var qoperatorOps = map[string]opFunc{
	"QLinearConv": opQLinearConv, "QLinearMatMul": opQLinearMatMul,
	msDomain + "QuantizeLinear": opQuantizeLinear, msDomain + "DequantizeLinear": opDequantizeLinear,
	msDomain + "QLinearAdd": opQLinearBinary(false), msDomain + "QLinearMul": opQLinearBinary(true),
	msDomain + "QLinearSigmoid": opQLinearUnary(func(x *graph.Node, _ *Node) (*graph.Node, error) { return graph.Sigmoid(x) }),
	msDomain + "QLinearLeakyRelu": opQLinearUnary(func(x *graph.Node, n *Node) (*graph.Node, error) {
		alpha, err := attrFloat(n, "alpha", 0.01)
		if err != nil {
			return nil, err
		}
		return graph.LeakyRelu(x, alpha)
	}),
	msDomain + "QLinearAveragePool": opQLinearAveragePool, msDomain + "QLinearGlobalAveragePool": opQLinearGlobalAveragePool,
	msDomain + "QLinearConcat": opQLinearConcat, msDomain + "QGemm": opQGemm, msDomain + "QLinearSoftmax": opQLinearSoftmax,
}

// msDomain prefixes the op types of onnxruntime's contrib ops (the
// decoder writes a node's domain before its op type).
const msDomain = "com.microsoft."

// qparam is a constant (scale, zero point) pair at inputs k and k+1: the
// scales positive and finite, the zero points in their type's range (the
// zero point absent: 0, of type dflt). It returns the values and type.
type qparam struct {
	scale, zero []float32
	dt          int64
}

func (b *builder) qparamAt(in []value, k int, dflt int64) (qparam, error) {
	var p qparam
	if !present(in, k) {
		return p, fmt.Errorf("input %d (a scale) is missing", k)
	}
	st, ok := host(in[k])
	if !ok {
		return p, fmt.Errorf("input %d (a scale) must be a constant", k)
	}
	for i := range st.Numel() {
		s := float32(st.at(int(i)))
		if !(s > 0) || s > maxFloat32 {
			return p, fmt.Errorf("input %d: scale %g at index %d: scales must be positive and finite", k, s, i)
		}
		p.scale = append(p.scale, s)
	}
	p.dt = dflt
	if !present(in, k+1) {
		p.zero = make([]float32, len(p.scale))
		return p, nil
	}
	zt, ok := host(in[k+1])
	if !ok {
		return p, fmt.Errorf("input %d (a zero point) must be a constant", k+1)
	}
	if zt.DataType != 0 {
		p.dt = int64(zt.DataType)
	}
	lo, hi, err := quantRange(p.dt)
	if err != nil {
		return p, err
	}
	if zt.Numel() != int64(len(p.scale)) {
		return p, fmt.Errorf("input %d: %d zero points for %d scales", k+1, zt.Numel(), len(p.scale))
	}
	for i := range zt.Numel() {
		z := zt.at(int(i))
		if z < float64(lo) || z > float64(hi) {
			return p, fmt.Errorf("input %d: zero point %g at index %d is outside %s's range %g..%g", k+1, z, i, elemTypeName(p.dt), lo, hi)
		}
		p.zero = append(p.zero, float32(z))
	}
	return p, nil
}

const maxFloat32 = 3.4028234663852886e38

// vec is a constant vector node: one value, or one per index of an axis.
func (b *builder) vec(v []float32) *graph.Node {
	if len(v) == 1 {
		return b.g.Const(&graph.Tensor{Shape: []int{}, Data: []float32{v[0]}})
	}
	return b.g.Const(&graph.Tensor{Shape: []int{len(v)}, Data: append([]float32(nil), v...)})
}

// shift is x less its zero point (per index of axis where there are
// several), in integer units.
func (b *builder) shift(x *graph.Node, p qparam, axis int) (*graph.Node, error) {
	z, err := along(b.vec(p.zero), axis, len(x.Shape()))
	if err != nil {
		return nil, err
	}
	return graph.Sub(x, z)
}

// dequant is (x − zero)·scale.
func (b *builder) dequant(x *graph.Node, p qparam, axis int) (*graph.Node, error) {
	d, err := b.shift(x, p, axis)
	if err != nil {
		return nil, err
	}
	s, err := along(b.vec(p.scale), axis, len(x.Shape()))
	if err != nil {
		return nil, err
	}
	return graph.Mul(d, s)
}

// requant is clamp(round(acc·m) + zero) in the output's type, m one value
// or one per index of axis; a float twin (Model.Dequantized) leaves the
// rounding and clamp out.
func (b *builder) requant(acc *graph.Node, m []float32, out qparam, axis int) (*graph.Node, error) {
	lo, hi, err := quantRange(out.dt)
	if err != nil {
		return nil, err
	}
	if len(m) == 1 {
		axis = -1
	}
	return graph.Requantize(acc, b.vec(m), b.vec(out.zero), axis, lo, hi, b.m.Dequantized)
}

// quant quantises float values with the output's scale (a division, as
// onnxruntime's QuantizeLinear).
func (b *builder) quant(y *graph.Node, out qparam) (*graph.Node, error) {
	if b.m.Dequantized {
		return graph.Unquantize(y, b.vec(out.scale), b.vec(out.zero), -1)
	}
	lo, hi, err := quantRange(out.dt)
	if err != nil {
		return nil, err
	}
	return graph.Quantize(y, b.vec(out.scale), b.vec(out.zero), -1, lo, hi)
}

// multipliers are xs·ws[c]/ys in float32, in that order (onnxruntime's).
func multipliers(x, w, y qparam) []float32 {
	out := make([]float32, len(w.scale))
	for c, ws := range w.scale {
		m := x.scale[0] * ws
		out[c] = m / y.scale[0]
	}
	return out
}

// params reads the (scale, zero point) pairs at the given inputs, all
// per-tensor but the ones marked per-axis.
func (b *builder) params(in []value, dflt int64, ks ...int) ([]qparam, error) {
	out := make([]qparam, len(ks))
	for i, k := range ks {
		var err error
		if out[i], err = b.qparamAt(in, k, dflt); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func perTensor(ps ...qparam) error {
	for _, p := range ps {
		if len(p.scale) != 1 {
			return fmt.Errorf("%d scales where one is supported", len(p.scale))
		}
	}
	return nil
}

// qlinearOperands reads QLinearConv's and QLinearMatMul's inputs (x,
// its scale and zero point, w, its scale and zero point, y's scale and
// zero point): x and w less their zero points, w's per index of wAxis
// (−1: w's last axis), with the three parameter pairs.
func (b *builder) qlinearOperands(n *Node, in []value, wAxis int) (x, w *graph.Node, xp, wp, yp qparam, err error) {
	ps, err := b.params(in, dtUint8, 1, 4, 6)
	if err != nil {
		return
	}
	xp, wp, yp = ps[0], ps[1], ps[2]
	if err = perTensor(xp, yp); err != nil {
		return
	}
	if x, err = b.float(n, in, 0); err != nil {
		return
	}
	if x, err = b.shift(x, xp, -1); err != nil {
		return
	}
	if w, err = b.float(n, in, 3); err != nil {
		return
	}
	if wAxis < 0 {
		wAxis = len(w.Shape()) - 1
	}
	w, err = b.shift(w, wp, wAxis)
	return
}

func opQLinearConv(b *builder, n *Node, in []value) ([]value, error) {
	x, w, xp, wp, yp, err := b.qlinearOperands(n, in, 0)
	if err != nil {
		return nil, err
	}
	conv := []value{{f: x}, {f: w}}
	if present(in, 8) {
		conv = append(conv, in[8])
	}
	acc, err := exactConv(b, n, conv)
	if err != nil {
		return nil, err
	}
	return one(b.requant(acc[0].f, multipliers(xp, wp, yp), yp, 1))
}

func opQLinearMatMul(b *builder, n *Node, in []value) ([]value, error) {
	a, w, ap, bp, yp, err := b.qlinearOperands(n, in, -1)
	if err != nil {
		return nil, err
	}
	acc, err := opMatMul(b, n, []value{{f: a}, {f: w}})
	if err != nil {
		return nil, err
	}
	y := acc[0].f
	return one(b.requant(y, multipliers(ap, bp, yp), yp, len(y.Shape())-1))
}

// opQGemm is onnxruntime's quantised Gemm: alpha·op(A−az)·op(B−bz) + C
// (int32), requantised by as·bs/ys; without y_scale its output is float.
func opQGemm(b *builder, n *Node, in []value) ([]value, error) {
	ps, err := b.params(in, dtUint8, 1, 4)
	if err != nil {
		return nil, err
	}
	ap, bp := ps[0], ps[1]
	if err := perTensor(ap); err != nil {
		return nil, err
	}
	at := attrs{n: n}
	ta, tb, alpha := at.int("transA", 0), at.int("transB", 0), at.float("alpha", 1)
	if at.err != nil {
		return nil, at.err
	}
	a, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	if a, err = b.shift(a, ap, -1); err != nil {
		return nil, err
	}
	w, err := b.float(n, in, 3)
	if err != nil {
		return nil, err
	}
	axis := 1
	if tb != 0 {
		axis = 0
	}
	if w, err = b.shift(w, bp, axis); err != nil {
		return nil, err
	}
	acc, err := graph.MatMul(a, w, ta != 0, tb != 0, 1)
	if err != nil {
		return nil, err
	}
	if present(in, 6) {
		c, err := b.float(n, in, 6)
		if err != nil {
			return nil, err
		}
		if alpha != 1 {
			return nil, errors.New("alpha ≠ 1 with a bias is not supported")
		}
		if acc, err = graph.Add(acc, c); err != nil {
			return nil, err
		}
	}
	m := make([]float32, len(bp.scale))
	for c, bs := range bp.scale {
		m[c] = alpha * ap.scale[0] * bs
	}
	if !present(in, 7) {
		s, err := along(b.vec(m), 1, 2)
		if err != nil {
			return nil, err
		}
		return one(graph.Mul(acc, s))
	}
	yp, err := b.qparamAt(in, 7, dtUint8)
	if err != nil {
		return nil, err
	}
	for c := range m {
		m[c] /= yp.scale[0]
	}
	return one(b.requant(acc, m, yp, 1))
}

// opQLinearBinary is QLinearAdd (the operands' scale ratios as/cs and
// bs/cs, onnxruntime's) or QLinearMul (as·bs/cs).
func opQLinearBinary(mul bool) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		ps, err := b.params(in, dtUint8, 1, 4, 6)
		if err != nil {
			return nil, err
		}
		ap, bp, cp := ps[0], ps[1], ps[2]
		if err := perTensor(ap, bp, cp); err != nil {
			return nil, err
		}
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		y, err := b.float(n, in, 3)
		if err != nil {
			return nil, err
		}
		if !mul && !b.m.Dequantized && slices.Equal(x.Shape(), y.Shape()) {
			lo, hi, err := quantRange(cp.dt)
			if err != nil {
				return nil, err
			}
			// onnxruntime's kernel takes the operands unshifted and folds
			// the zero points into one constant.
			return one(graph.QLinearAdd(x, y, ap.scale[0], ap.zero[0], bp.scale[0], bp.zero[0], cp.scale[0], cp.zero[0], lo, hi))
		}
		if x, err = b.shift(x, ap, -1); err != nil {
			return nil, err
		}
		if y, err = b.shift(y, bp, -1); err != nil {
			return nil, err
		}
		if mul {
			v, err := graph.Mul(x, y)
			if err != nil {
				return nil, err
			}
			return one(b.requant(v, []float32{ap.scale[0] * bp.scale[0] / cp.scale[0]}, cp, -1))
		}
		// Broadcast operands (and the float twin): the same sum in separate
		// steps.
		if x, err = graph.Mul(x, b.vec([]float32{ap.scale[0] / cp.scale[0]})); err != nil {
			return nil, err
		}
		if y, err = graph.Mul(y, b.vec([]float32{bp.scale[0] / cp.scale[0]})); err != nil {
			return nil, err
		}
		v, err := graph.Add(x, y)
		if err != nil {
			return nil, err
		}
		return one(b.requant(v, []float32{1}, cp, -1))
	}
}

// opQLinearUnary is a float activation between a dequantiser and a
// quantiser: onnxruntime's lookup table holds exactly these values.
func opQLinearUnary(f func(*graph.Node, *Node) (*graph.Node, error)) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		ps, err := b.params(in, dtUint8, 1, 3)
		if err != nil {
			return nil, err
		}
		if err := perTensor(ps...); err != nil {
			return nil, err
		}
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		if x, err = b.dequant(x, ps[0], -1); err != nil {
			return nil, err
		}
		y, err := f(x, n)
		if err != nil {
			return nil, err
		}
		return one(b.quant(y, ps[1]))
	}
}

// qpoolInput reads a quantised pooling's input and its (input, output)
// parameters, per tensor, channels first.
func (b *builder) qpoolInput(n *Node, in []value) (*graph.Node, []qparam, error) {
	ps, err := b.params(in, dtUint8, 1, 3)
	if err != nil {
		return nil, nil, err
	}
	if err := perTensor(ps...); err != nil {
		return nil, nil, err
	}
	if cl, _ := attrInt(n, "channels_last", 0); cl != 0 {
		return nil, nil, errors.New("channels_last pooling is not supported")
	}
	x, err := b.float(n, in, 0)
	return x, ps, err
}

func opQLinearAveragePool(b *builder, n *Node, in []value) ([]value, error) {
	x, ps, err := b.qpoolInput(n, in)
	if err != nil {
		return nil, err
	}
	if x, err = b.dequant(x, ps[0], -1); err != nil {
		return nil, err
	}
	y, err := opPool(false)(b, n, []value{{f: x}})
	if err != nil {
		return nil, err
	}
	if b.m.Dequantized {
		return one(b.quant(y[0].f, ps[1]))
	}
	lo, hi, err := quantRange(ps[1].dt)
	if err != nil {
		return nil, err
	}
	return one(graph.QuantizeZeroFirst(y[0].f, b.vec(ps[1].scale), b.vec(ps[1].zero), lo, hi))
}

// opQLinearGlobalAveragePool sums each plane's integers, then requantises
// by xs/(ys·count), onnxruntime's arithmetic.
func opQLinearGlobalAveragePool(b *builder, n *Node, in []value) ([]value, error) {
	x, ps, err := b.qpoolInput(n, in)
	if err != nil {
		return nil, err
	}
	s := x.Shape()
	if len(s) < 3 {
		return nil, fmt.Errorf("input %v has no spatial axes", s)
	}
	count := graph.Numel(s[2:])
	axes := make([]int, 0, len(s)-2)
	for a := 2; a < len(s); a++ {
		axes = append(axes, a)
	}
	if x, err = b.shift(x, ps[0], -1); err != nil {
		return nil, err
	}
	sum, err := graph.Reduce(x, graph.ReduceSum, axes, true)
	if err != nil {
		return nil, err
	}
	m := ps[0].scale[0] / float32(count) / ps[1].scale[0] // onnxruntime's order
	return one(b.requant(sum, []float32{m}, ps[1], -1))
}

// opQLinearConcat requantises each input to the output's scale and zero
// point (one that has them already is copied) and joins them.
func opQLinearConcat(b *builder, n *Node, in []value) ([]value, error) {
	out, err := b.qparamAt(in, 0, dtUint8)
	if err != nil {
		return nil, err
	}
	if (len(in)-2)%3 != 0 || len(in) < 5 {
		return nil, fmt.Errorf("want the output's scale and zero point, then (tensor, scale, zero point) triples; got %d inputs", len(in))
	}
	parts := []value{}
	for k := 2; k < len(in); k += 3 {
		p, err := b.qparamAt(in, k+1, out.dt)
		if err != nil {
			return nil, err
		}
		if err := perTensor(p, out); err != nil {
			return nil, err
		}
		x, err := b.float(n, in, k)
		if err != nil {
			return nil, err
		}
		if p.scale[0] != out.scale[0] || p.zero[0] != out.zero[0] {
			if x, err = b.dequant(x, p, -1); err != nil {
				return nil, err
			}
			if x, err = b.quant(x, out); err != nil {
				return nil, err
			}
		}
		parts = append(parts, value{f: x})
	}
	return opConcat(b, n, parts)
}

// opQLinearSoftmax is onnxruntime's quantised softmax (uint8): along axis
// (opset attribute 13: that axis alone, moved last and back; below 13:
// every axis from it, flattened), graph.QLinearSoftmax.
func opQLinearSoftmax(b *builder, n *Node, in []value) ([]value, error) {
	ps, err := b.params(in, dtUint8, 1, 3)
	if err != nil {
		return nil, err
	}
	if err := perTensor(ps...); err != nil {
		return nil, err
	}
	if ps[0].dt != dtUint8 || ps[1].dt != dtUint8 {
		return nil, errors.New("only uint8 QLinearSoftmax is supported")
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	opset, err := attrInt(n, "opset", 0)
	if err != nil || opset == 0 {
		return nil, errors.New("attribute opset is required")
	}
	dflt := int64(-1)
	if opset < 13 {
		dflt = 1
	}
	axis, err := attrInt(n, "axis", dflt)
	if err != nil {
		return nil, err
	}
	s := x.Shape()
	ax, err := normAxis(axis, len(s))
	if err != nil {
		return nil, err
	}
	soft := func(v *graph.Node) (*graph.Node, error) {
		if b.m.Dequantized {
			d, err := b.dequant(v, ps[0], -1)
			if err != nil {
				return nil, err
			}
			if d, err = graph.Softmax(d, -1); err != nil {
				return nil, err
			}
			return b.quant(d, ps[1])
		}
		return graph.QLinearSoftmax(v, ps[0].scale[0], ps[1].scale[0], ps[1].zero[0])
	}
	if opset < 13 {
		flat, err := graph.Reshape(x, []int{graph.Numel(s[:ax]), graph.Numel(s[ax:])})
		if err != nil {
			return nil, err
		}
		y, err := soft(flat)
		if err != nil {
			return nil, err
		}
		return one(graph.Reshape(y, s))
	}
	if ax == len(s)-1 {
		return one(soft(x))
	}
	perm := make([]int, len(s))
	for i := range perm {
		perm[i] = i
	}
	perm[ax], perm[len(s)-1] = len(s)-1, ax
	t, err := graph.Transpose(x, perm)
	if err != nil {
		return nil, err
	}
	y, err := soft(t)
	if err != nil {
		return nil, err
	}
	return one(graph.Transpose(y, perm))
}
