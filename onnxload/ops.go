package onnxload

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/invrep/invrep/graph"
)

type opFunc func(b *builder, n *Node, in []value) ([]value, error)

// ops maps each supported ONNX op type to its translation into graph ops.
// Opset-dependent forms (attributes that became inputs) are handled here.
var ops map[string]opFunc

func init() {
	ops = map[string]opFunc{
		"Conv": opConv, "Relu": opRelu, "Sigmoid": unaryOp(graph.Sigmoid), "Tanh": unaryOp(graph.Tanh),
		"LeakyRelu": opLeakyRelu, "Clip": opClip,
		"MaxPool": opPool(true), "AveragePool": opPool(false),
		"GlobalAveragePool": unaryOp(graph.GlobalAveragePool), "GlobalMaxPool": unaryOp(graph.GlobalMaxPool),
		"LRN": opLRN, "BatchNormalization": opBatchNorm, "Gemm": opGemm, "MatMul": opMatMul,
		"Add": opBinary(graph.Add, func(a, b int64) int64 { return a + b }),
		"Sub": opBinary(graph.Sub, func(a, b int64) int64 { return a - b }),
		"Mul": opBinary(graph.Mul, func(a, b int64) int64 { return a * b }),
		"Div": opBinary(graph.Div, floorDiv),
		"Sum": opSum, "Concat": opConcat, "Flatten": opFlatten, "Reshape": opReshape, "Transpose": opTranspose,
		"Squeeze": opSqueeze, "Unsqueeze": opUnsqueeze, "Pad": opPad, "Dropout": opIdentity, "Identity": opIdentity,
		"Softmax": opSoftmax, "Constant": opConstant, "ConstantOfShape": opConstantOfShape,
		"Shape": opShape, "Gather": opGather, "Cast": opCast, "Slice": opSlice,
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

func floorDiv(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	return a / b
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

func unaryOp(f func(*graph.Node) (*graph.Node, error)) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		return one(f(x))
	}
}

func opIdentity(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	return []value{in[0]}, nil
}

func opLeakyRelu(b *builder, n *Node, in []value) ([]value, error) {
	alpha, err := attrFloat(n, "alpha", 0.01)
	if err != nil {
		return nil, err
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
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

// spatial reads a 2-element spatial attribute (kernel_shape, strides, dilations).
func spatial(n *Node, name string, def int) ([2]int, error) {
	v, ok, err := attrInts(n, name)
	if err != nil {
		return [2]int{}, err
	}
	if !ok {
		return [2]int{def, def}, nil
	}
	if len(v) != 2 {
		return [2]int{}, fmt.Errorf("attribute %s = %v: only 2-D windows are supported", name, v)
	}
	if v[0] <= 0 || v[1] <= 0 {
		return [2]int{}, fmt.Errorf("attribute %s = %v must be positive", name, v)
	}
	return [2]int{int(v[0]), int(v[1])}, nil
}

func pads4(n *Node) ([4]int, error) {
	v, ok, err := attrInts(n, "pads")
	if err != nil || !ok {
		return [4]int{}, err
	}
	if len(v) != 4 {
		return [4]int{}, fmt.Errorf("attribute pads = %v: want 4 values", v)
	}
	var p [4]int
	for i := range p {
		if v[i] < 0 {
			return p, fmt.Errorf("attribute pads = %v must not be negative", v)
		}
		p[i] = int(v[i])
	}
	return p, nil
}

// window reads the strides, dilations and pads of a convolution or pooling
// window of size k over input x, resolving auto_pad.
func window(n *Node, x []int, k [2]int) (strides, dilations [2]int, pads [4]int, err error) {
	if strides, err = spatial(n, "strides", 1); err != nil {
		return
	}
	if dilations, err = spatial(n, "dilations", 1); err != nil {
		return
	}
	if pads, err = pads4(n); err != nil {
		return
	}
	a := attrs{n: n}
	mode := a.string("auto_pad", "NOTSET")
	if a.err != nil {
		return strides, dilations, pads, a.err
	}
	pads, err = graph.AutoPad(mode, [2]int{x[2], x[3]}, k, strides, dilations, pads)
	return
}

func opConv(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	w, err := b.float(n, in, 1)
	if err != nil {
		return nil, err
	}
	var bias *graph.Node
	if present(in, 2) {
		if bias, err = b.float(n, in, 2); err != nil {
			return nil, err
		}
	}
	ws := w.Shape()
	if len(ws) != 4 || len(x.Shape()) != 4 {
		return nil, fmt.Errorf("only 2-D convolution is supported (input %v, weight %v)", x.Shape(), ws)
	}
	a := attrs{n: n}
	p := graph.ConvParams{Group: int(a.int("group", 1))}
	if a.err != nil {
		return nil, a.err
	}
	k, err := spatial(n, "kernel_shape", 0)
	if err != nil {
		return nil, err
	}
	if k != [2]int{0, 0} && k != [2]int{ws[2], ws[3]} {
		return nil, fmt.Errorf("kernel_shape %v does not match weight %v", k, ws)
	}
	if p.Strides, p.Dilations, p.Pads, err = window(n, x.Shape(), [2]int{ws[2], ws[3]}); err != nil {
		return nil, err
	}
	if b.fused[n] {
		return one(graph.ConvRelu(x, w, bias, p))
	}
	return one(graph.Conv(x, w, bias, p))
}

// opRelu passes its input through where the Conv before it was built with
// the Relu fused in.
func opRelu(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	if b.fused[n] {
		return one(x, nil)
	}
	return one(graph.Relu(x))
}

func opPool(isMax bool) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		if len(x.Shape()) != 4 {
			return nil, fmt.Errorf("only 2-D pooling is supported (input %v)", x.Shape())
		}
		var p graph.PoolParams
		if p.Kernel, err = spatial(n, "kernel_shape", 0); err != nil {
			return nil, err
		}
		if p.Kernel[0] == 0 {
			return nil, errors.New("attribute kernel_shape is required")
		}
		if p.Strides, p.Dilations, p.Pads, err = window(n, x.Shape(), p.Kernel); err != nil {
			return nil, err
		}
		a := attrs{n: n}
		p.CeilMode = a.int("ceil_mode", 0) != 0
		p.CountIncludePad = a.int("count_include_pad", 0) != 0
		if a.err != nil {
			return nil, a.err
		}
		if isMax {
			return one(graph.MaxPool(x, p))
		}
		return one(graph.AveragePool(x, p))
	}
}

func opLRN(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	a := attrs{n: n}
	p := graph.LRNParams{Size: int(a.int("size", 0)), Alpha: float64(a.float("alpha", 1e-4)),
		Beta: float64(a.float("beta", 0.75)), Bias: float64(a.float("bias", 1))}
	if a.err != nil {
		return nil, a.err
	}
	return one(graph.LRN(x, p))
}

func opBatchNorm(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	xs := x.Shape()
	if len(xs) < 2 {
		return nil, fmt.Errorf("input shape %v has no channel axis", xs)
	}
	c := xs[1]
	var p [4][]float32
	for k := range p {
		if p[k], err = constFloats(in, k+1, c); err != nil {
			return nil, err
		}
	}
	eps, err := attrFloat(n, "epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	return one(graph.BatchNorm(x, p[0], p[1], p[2], p[3], float64(eps)))
}

func opGemm(b *builder, n *Node, in []value) ([]value, error) {
	a, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	w, err := b.float(n, in, 1)
	if err != nil {
		return nil, err
	}
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

func opMatMul(b *builder, n *Node, in []value) ([]value, error) {
	a, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	w, err := b.float(n, in, 1)
	if err != nil {
		return nil, err
	}
	as, ws := a.Shape(), w.Shape()
	if len(ws) != 2 || len(as) < 2 {
		return nil, fmt.Errorf("MatMul of %v and %v: only an N-D (N ≥ 2) by 2-D product is supported", as, ws)
	}
	lead := as[:len(as)-1]
	a2, err := graph.Reshape(a, []int{graph.Numel(lead), as[len(as)-1]})
	if err != nil {
		return nil, err
	}
	y, err := graph.MatMul(a2, w, false, false, 1)
	if err != nil {
		return nil, err
	}
	return one(graph.Reshape(y, append(append([]int(nil), lead...), ws[1])))
}

func opBinary(f func(a, b *graph.Node) (*graph.Node, error), fi func(a, b int64) int64) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		if present(in, 0) && present(in, 1) && in[0].i != nil && in[1].i != nil {
			t, err := foldBinary(in[0].i, in[1].i, fi)
			return []value{{i: t}}, err
		}
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		y, err := b.float(n, in, 1)
		if err != nil {
			return nil, err
		}
		return one(f(x, y))
	}
}

func opSum(b *builder, n *Node, in []value) ([]value, error) {
	acc, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	for k := 1; k < len(in); k++ {
		x, err := b.float(n, in, k)
		if err != nil {
			return nil, err
		}
		if acc, err = graph.Add(acc, x); err != nil {
			return nil, err
		}
	}
	return one(acc, nil)
}

func normAxis(axis int64, rank int) (int, error) {
	if axis < 0 {
		axis += int64(rank)
	}
	if axis < 0 || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	return int(axis), nil
}

func opConcat(b *builder, n *Node, in []value) ([]value, error) {
	axis, err := attrInt(n, "axis", 0)
	if err != nil {
		return nil, err
	}
	allInt := true
	for _, v := range in {
		allInt = allInt && v.i != nil
	}
	if allInt && len(in) > 0 {
		t, err := foldConcat(in, axis)
		return []value{{i: t}}, err
	}
	xs := make([]*graph.Node, len(in))
	for k := range in {
		if xs[k], err = b.float(n, in, k); err != nil {
			return nil, err
		}
	}
	a, err := normAxis(axis, len(xs[0].Shape()))
	if err != nil {
		return nil, err
	}
	return one(graph.Concat(a, xs...))
}

func opFlatten(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	axis, err := attrInt(n, "axis", 1)
	if err != nil {
		return nil, err
	}
	s := x.Shape()
	if axis < 0 {
		axis += int64(len(s))
	}
	if axis < 0 || axis > int64(len(s)) {
		return nil, fmt.Errorf("axis %d out of range for shape %v", axis, s)
	}
	return one(graph.Reshape(x, []int{graph.Numel(s[:axis]), graph.Numel(s[axis:])}))
}

// reshapeTarget resolves ONNX Reshape's 0 (copy) and −1 (infer) entries.
func reshapeTarget(from []int, to []int64, allowZero bool) ([]int, error) {
	out := make([]int, len(to))
	infer := -1
	known := 1
	for i, d := range to {
		switch {
		case d == 0 && !allowZero:
			if i >= len(from) {
				return nil, fmt.Errorf("shape %v copies axis %d of %v", to, i, from)
			}
			out[i] = from[i]
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has two -1 entries", to)
			}
			infer = i
			continue
		case d < 0:
			return nil, fmt.Errorf("shape %v has a negative entry", to)
		default:
			out[i] = int(d)
		}
		known *= out[i]
	}
	total := graph.Numel(from)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", from, to)
		}
		out[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", from, total, to)
	}
	return out, nil
}

func opReshape(b *builder, n *Node, in []value) ([]value, error) {
	shape, err := constInts(in, 1)
	if err != nil {
		return nil, fmt.Errorf("shape: %w", err)
	}
	az, err := attrInt(n, "allowzero", 0)
	if err != nil {
		return nil, err
	}
	if present(in, 0) && in[0].i != nil {
		target, err := reshapeTarget(in[0].shape(), shape, az != 0)
		if err != nil {
			return nil, err
		}
		return []value{{i: &Tensor{Dims: dims64(target), Int: in[0].i.Int, IsInt: true}}}, nil
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	target, err := reshapeTarget(x.Shape(), shape, az != 0)
	if err != nil {
		return nil, err
	}
	return one(graph.Reshape(x, target))
}

func dims64(s []int) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
}

func opTranspose(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	perm64, _, err := attrInts(n, "perm")
	if err != nil {
		return nil, err
	}
	perm := make([]int, len(perm64))
	for i, p := range perm64 {
		perm[i] = int(p)
	}
	return one(graph.Transpose(x, perm))
}

// axesOf reads the axes of Squeeze/Unsqueeze/Slice-like ops: an attribute
// before opset 13 (Squeeze, Unsqueeze), an input from it on.
func axesOf(b *builder, n *Node, in []value, inputIndex int, attrOpset int64) ([]int64, bool, error) {
	if b.m.Opset < attrOpset {
		v, ok, err := attrInts(n, "axes")
		return v, ok, err
	}
	if !present(in, inputIndex) {
		return nil, false, nil
	}
	v, err := constInts(in, inputIndex)
	return v, true, err
}

func squeezeShape(s []int, axes []int64, has bool) ([]int, error) {
	drop := map[int]bool{}
	if !has {
		for i, d := range s {
			if d == 1 {
				drop[i] = true
			}
		}
	}
	for _, a := range axes {
		ax, err := normAxis(a, len(s))
		if err != nil {
			return nil, err
		}
		if s[ax] != 1 {
			return nil, fmt.Errorf("cannot squeeze axis %d of %v", ax, s)
		}
		drop[ax] = true
	}
	var out []int
	for i, d := range s {
		if !drop[i] {
			out = append(out, d)
		}
	}
	return out, nil
}

func unsqueezeShape(s []int, axes []int64) ([]int, error) {
	r := len(s) + len(axes)
	ins := map[int]bool{}
	for _, a := range axes {
		ax, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		ins[ax] = true
	}
	out := make([]int, 0, r)
	k := 0
	for i := 0; i < r; i++ {
		if ins[i] {
			out = append(out, 1)
		} else if k < len(s) {
			out = append(out, s[k])
			k++
		}
	}
	if len(out) != r || k != len(s) {
		return nil, fmt.Errorf("bad axes %v for shape %v", axes, s)
	}
	return out, nil
}

func reshapeValue(b *builder, n *Node, in []value, target []int) ([]value, error) {
	if in[0].i != nil {
		return []value{{i: &Tensor{Dims: dims64(target), Int: in[0].i.Int, IsInt: true}}}, nil
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	return one(graph.Reshape(x, target))
}

func opSqueeze(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	axes, has, err := axesOf(b, n, in, 1, 13)
	if err != nil {
		return nil, err
	}
	target, err := squeezeShape(in[0].shape(), axes, has)
	if err != nil {
		return nil, err
	}
	return reshapeValue(b, n, in, target)
}

func opUnsqueeze(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	axes, has, err := axesOf(b, n, in, 1, 13)
	if err != nil {
		return nil, err
	}
	if !has {
		return nil, errors.New("axes are required")
	}
	target, err := unsqueezeShape(in[0].shape(), axes)
	if err != nil {
		return nil, err
	}
	return reshapeValue(b, n, in, target)
}

func opPad(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	mode, err := attrString(n, "mode", "constant")
	if err != nil {
		return nil, err
	}
	if mode != "constant" {
		return nil, fmt.Errorf("Pad mode %q is not supported (only constant)", mode)
	}
	r := len(x.Shape())
	var pads []int64
	var val float32
	if b.m.Opset < 11 {
		var ok bool
		if pads, ok, err = attrInts(n, "pads"); err != nil || !ok {
			return nil, fmt.Errorf("attribute pads is required: %v", err)
		}
		if val, err = attrFloat(n, "value", 0); err != nil {
			return nil, err
		}
	} else {
		if pads, err = constInts(in, 1); err != nil {
			return nil, fmt.Errorf("pads: %w", err)
		}
		if present(in, 2) {
			if val, err = constFloat(in, 2); err != nil {
				return nil, err
			}
		}
	}
	axes := make([]int64, r)
	for i := range axes {
		axes[i] = int64(i)
	}
	if present(in, 3) {
		if axes, err = constInts(in, 3); err != nil {
			return nil, err
		}
	}
	if len(pads) != 2*len(axes) {
		return nil, fmt.Errorf("pads %v: want %d values", pads, 2*len(axes))
	}
	begin, end := make([]int, r), make([]int, r)
	for i, a := range axes {
		ax, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		begin[ax], end[ax] = int(pads[i]), int(pads[i+len(axes)])
	}
	return one(graph.Pad(x, begin, end, val))
}

func opSoftmax(b *builder, n *Node, in []value) ([]value, error) {
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
		return one(graph.Softmax(x, a))
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
	y, err := graph.Softmax(x2, 1)
	if err != nil {
		return nil, err
	}
	return one(graph.Reshape(y, s))
}

func opConstant(b *builder, n *Node, in []value) ([]value, error) {
	var t *Tensor
	switch {
	case n.Attrs["value"] != nil:
		var ok bool
		if t, ok = n.Attrs["value"].(*Tensor); !ok {
			return nil, fmt.Errorf("attribute value is %T", n.Attrs["value"])
		}
	case n.Attrs["value_float"] != nil:
		f, err := attrFloat(n, "value_float", 0)
		if err != nil {
			return nil, err
		}
		t = &Tensor{Float: []float32{f}}
	case n.Attrs["value_floats"] != nil:
		fs, _ := n.Attrs["value_floats"].([]float32)
		t = &Tensor{Dims: []int64{int64(len(fs))}, Float: fs}
	case n.Attrs["value_int"] != nil:
		i, err := attrInt(n, "value_int", 0)
		if err != nil {
			return nil, err
		}
		t = &Tensor{Int: []int64{i}, IsInt: true}
	case n.Attrs["value_ints"] != nil:
		is, _, err := attrInts(n, "value_ints")
		if err != nil {
			return nil, err
		}
		t = &Tensor{Dims: []int64{int64(len(is))}, Int: is, IsInt: true}
	default:
		return nil, errors.New("no supported value attribute")
	}
	return constValue(b, t)
}

func constValue(b *builder, t *Tensor) ([]value, error) {
	if t.IsInt {
		return []value{{i: t}}, nil
	}
	ft, err := floatTensor(t)
	if err != nil {
		return nil, err
	}
	return []value{{f: b.g.Const(ft)}}, nil
}

func opConstantOfShape(b *builder, n *Node, in []value) ([]value, error) {
	shape, err := constInts(in, 0)
	if err != nil {
		return nil, err
	}
	count := int64(1)
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("shape %v has a negative dimension", shape)
		}
		count *= d
		if count > maxConstElems {
			return nil, fmt.Errorf("shape %v is too large for a constant", shape)
		}
	}
	// Charged before allocating; the output is then charged once more
	// like any other, which keeps the bound conservative.
	if err := b.spend(count, 1, fmt.Sprintf("constant of shape %v", shape)); err != nil {
		return nil, err
	}
	t := &Tensor{Dims: shape}
	fill := &Tensor{Float: []float32{0}}
	if v, ok := n.Attrs["value"].(*Tensor); ok {
		fill = v
	}
	if fill.IsInt {
		t.IsInt = true
		t.Int = make([]int64, count)
		for i := range t.Int {
			t.Int[i] = fill.Int[0]
		}
	} else {
		t.Float = make([]float32, count)
		for i := range t.Float {
			t.Float[i] = fill.Float[0]
		}
	}
	return constValue(b, t)
}

// maxConstElems bounds constants a model may ask to materialise (2^31
// float32 values = 8 GiB).
const maxConstElems = 1 << 31

func opShape(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	s := dims64(in[0].shape())
	start, err := attrInt(n, "start", 0)
	if err != nil {
		return nil, err
	}
	end, err := attrInt(n, "end", int64(len(s)))
	if err != nil {
		return nil, err
	}
	start, end = clampIndex(start, len(s)), clampIndex(end, len(s))
	if end < start {
		end = start
	}
	out := s[start:end]
	return []value{{i: &Tensor{Dims: []int64{int64(len(out))}, Int: out, IsInt: true}}}, nil
}

func clampIndex(i int64, n int) int64 {
	if i < 0 {
		i += int64(n)
	}
	return max(0, min(i, int64(n)))
}

func opGather(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) || !present(in, 1) || in[1].i == nil {
		return nil, errors.New("only constant indices are supported")
	}
	axis, err := attrInt(n, "axis", 0)
	if err != nil {
		return nil, err
	}
	if in[0].i != nil {
		t, err := foldGather(in[0].i, in[1].i, axis)
		return []value{{i: t}}, err
	}
	return nil, errors.New("Gather is supported on integer (shape) tensors only")
}

func opCast(b *builder, n *Node, in []value) ([]value, error) {
	to, err := attrInt(n, "to", dtFloat)
	if err != nil {
		return nil, err
	}
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	isFloat := to == dtFloat || to == dtDouble || to == 10 || to == 16
	switch {
	case isFloat && in[0].f != nil, !isFloat && in[0].i != nil:
		return []value{in[0]}, nil
	case isFloat:
		f, err := b.float(n, in, 0)
		return one(f, err)
	}
	v, err := constInts(in, 0)
	if err != nil {
		return nil, err
	}
	return []value{{i: &Tensor{Dims: dims64(in[0].shape()), Int: v, IsInt: true}}}, nil
}

func opSlice(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	var starts, ends, axes, steps []int64
	var err error
	if b.m.Opset < 10 {
		if starts, _, err = attrInts(n, "starts"); err != nil {
			return nil, err
		}
		if ends, _, err = attrInts(n, "ends"); err != nil {
			return nil, err
		}
		if axes, _, err = attrInts(n, "axes"); err != nil {
			return nil, err
		}
	} else {
		if starts, err = constInts(in, 1); err != nil {
			return nil, err
		}
		if ends, err = constInts(in, 2); err != nil {
			return nil, err
		}
		if present(in, 3) {
			if axes, err = constInts(in, 3); err != nil {
				return nil, err
			}
		}
		if present(in, 4) {
			if steps, err = constInts(in, 4); err != nil {
				return nil, err
			}
		}
	}
	s := in[0].shape()
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if len(starts) != len(ends) || len(axes) != len(starts) {
		return nil, fmt.Errorf("starts %v, ends %v and axes %v differ in length", starts, ends, axes)
	}
	start, size := make([]int, len(s)), append([]int(nil), s...)
	for i, a := range axes {
		ax, err := normAxis(a, len(s))
		if err != nil {
			return nil, err
		}
		if steps != nil && steps[i] != 1 {
			return nil, fmt.Errorf("Slice steps %v are not supported", steps)
		}
		st, en := clampIndex(starts[i], s[ax]), clampIndex(ends[i], s[ax])
		if en <= st {
			return nil, fmt.Errorf("empty slice on axis %d", ax)
		}
		start[ax], size[ax] = int(st), int(en-st)
	}
	if in[0].i != nil {
		return []value{{i: sliceInts(in[0].i, s, start, size)}}, nil
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	return one(graph.Slice(x, start, size))
}
