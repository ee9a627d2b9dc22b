package onnxload

// Ops computed from constants alone, on the host at build time: constants,
// shapes, ranges, comparisons and logic, Mod, ScatterND. Exporters use
// them for shape arithmetic and masks (Swin's shifted windows); a value
// that depends on the graph input is refused by name, since no gradient
// flows through them.

import (
	"errors"
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

var constOps = map[string]opFunc{
	"Constant": opConstant, "ConstantOfShape": opConstantOfShape, "Shape": opShape, "Size": opSize,
	"Range": opRange, "Mod": opMod, "ScatterND": opScatterND,
	"Equal": opCompare(func(a, b float64) bool { return a == b }), "Less": opCompare(func(a, b float64) bool { return a < b }),
	"LessOrEqual": opCompare(func(a, b float64) bool { return a <= b }), "Greater": opCompare(func(a, b float64) bool { return a > b }),
	"GreaterOrEqual": opCompare(func(a, b float64) bool { return a >= b }),
	"And":            opCompare(func(a, b float64) bool { return a != 0 && b != 0 }), "Or": opCompare(func(a, b float64) bool { return a != 0 || b != 0 }),
	"Xor": opCompare(func(a, b float64) bool { return (a != 0) != (b != 0) }), "Not": opNot,
	"Floor": opRounding(math.Floor), "Ceil": opRounding(math.Ceil), "Round": opRounding(math.RoundToEven), "Sign": opRounding(sign),
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return v // 0, −0 and NaN as they are
}

// opRounding is Floor, Ceil, Round (half to even) or Sign: on values
// computed from constants (the size arithmetic of detection transforms, a
// scale factor's floor), exactly, integers included; on values that depend
// on the input, graph's rounding functions, whose gradient passes
// straight through (Sign's is 0).
func opRounding(f func(float64) float64) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		if !present(in, 0) {
			return nil, errors.New("input 0 is missing")
		}
		t, ok := host(in[0])
		if !ok {
			fn := map[string]graph.MathFn{"Floor": graph.FnFloor, "Ceil": graph.FnCeil, "Round": graph.FnRound, "Sign": graph.FnSign}[n.OpType]
			x, err := b.float(n, in, 0)
			if err != nil {
				return nil, err
			}
			return one(graph.Math(x, fn, 0, 0))
		}
		out := &Tensor{Dims: t.Dims, IsInt: t.IsInt, DataType: t.DataType}
		if t.IsInt {
			out.Int = make([]int64, len(t.Int))
			for i, v := range t.Int {
				out.Int[i] = int64(f(float64(v)))
			}
		} else {
			out.Float = make([]float32, len(t.Float))
			for i, v := range t.Float {
				out.Float[i] = float32(f(float64(v)))
			}
		}
		return constValue(b, out)
	}
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
	if fill.Numel() != 1 || len(fill.Int)+len(fill.Float) != 1 {
		return nil, fmt.Errorf("value holds %d elements, want one", len(fill.Int)+len(fill.Float))
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

// constants returns inputs as host tensors, naming the first that depends
// on the graph input.
func constants(in []value, ks ...int) ([]*Tensor, error) {
	out := make([]*Tensor, len(ks))
	for j, k := range ks {
		if !present(in, k) {
			return nil, fmt.Errorf("input %d is missing", k)
		}
		t, ok := host(in[k])
		if !ok {
			return nil, fmt.Errorf("input %d depends on the graph input; this op is supported on constants only (it has no gradient)", k)
		}
		out[j] = t
	}
	return out, nil
}

func opCompare(f func(a, b float64) bool) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		ts, err := constants(in, 0, 1)
		if err != nil {
			return nil, err
		}
		out, pairs, err := b.hostPairs(ts[0], ts[1])
		if err != nil {
			return nil, err
		}
		mask := make([]bool, len(pairs))
		for o, p := range pairs {
			mask[o] = f(ts[0].at(p[0]), ts[1].at(p[1]))
		}
		return []value{boolValue(out, mask)}, nil
	}
}

func opNot(b *builder, n *Node, in []value) ([]value, error) {
	ts, err := constants(in, 0)
	if err != nil {
		return nil, err
	}
	mask := make([]bool, ts[0].Numel())
	for k := range mask {
		mask[k] = ts[0].at(k) == 0
	}
	return []value{boolValue(intShape(ts[0]), mask)}, nil
}

func opSize(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	return []value{intValue(nil, []int64{int64(graph.Numel(in[0].shape()))})}, nil
}

// opRange is start, start+delta, … up to limit (exclusive), in the
// inputs' type.
func opRange(b *builder, n *Node, in []value) ([]value, error) {
	ts, err := constants(in, 0, 1, 2)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.Numel() != 1 || len(t.Int)+len(t.Float) != 1 {
			return nil, errors.New("start, limit and delta must be scalars")
		}
		if t.IsInt != ts[0].IsInt {
			return nil, errors.New("start, limit and delta must be of one type (ONNX's Range takes one T for all three)")
		}
	}
	start, limit, delta := ts[0].at(0), ts[1].at(0), ts[2].at(0)
	if delta == 0 {
		return nil, errors.New("delta is 0")
	}
	c := math.Ceil((limit - start) / delta)
	if math.IsNaN(c) || c > maxConstElems {
		return nil, fmt.Errorf("range from %g to %g by %g is too large", start, limit, delta)
	}
	count := int64(math.Max(c, 0))
	if err := b.reserve([]int{int(count)}, "Range"); err != nil {
		return nil, err
	}
	if ts[0].IsInt {
		data := make([]int64, count)
		for k := range data {
			data[k] = ts[0].Int[0] + int64(k)*ts[2].Int[0]
		}
		return []value{intValue([]int{int(count)}, data)}, nil
	}
	t := &Tensor{Dims: []int64{count}, Float: make([]float32, count)}
	for k := range t.Float {
		t.Float[k] = float32(start + float64(k)*delta)
	}
	return constValue(b, t)
}

// opMod follows ONNX: with fmod 0 (integers only) the result takes the
// divisor's sign, as Python's %; with fmod 1 the dividend's, as C's fmod.
func opMod(b *builder, n *Node, in []value) ([]value, error) {
	fmodAttr, err := attrInt(n, "fmod", 0)
	if err != nil {
		return nil, err
	}
	if (present(in, 0) && in[0].f != nil && in[0].f.Live()) || (present(in, 1) && in[1].f != nil && in[1].f.Live()) {
		// On values that depend on the input: floats, where ONNX asks
		// for fmod = 1 (C's fmod); its gradient is 1 for the dividend
		// between the jumps and −trunc(a/b) for the divisor.
		if fmodAttr != 1 {
			return nil, errors.New("Mod of floats needs fmod = 1 (the spec's rule)")
		}
		x, y, err := b.floatPair(n, in, 0)
		if err != nil {
			return nil, err
		}
		return one(graph.Fmod(x, y))
	}
	ts, err := constants(in, 0, 1)
	if err != nil {
		return nil, err
	}
	out, pairs, err := b.hostPairs(ts[0], ts[1])
	if err != nil {
		return nil, err
	}
	if ts[0].IsInt && ts[1].IsInt {
		data := make([]int64, len(pairs))
		for o, p := range pairs {
			x, y := ts[0].Int[p[0]], ts[1].Int[p[1]]
			if y == 0 {
				return nil, errors.New("integer modulo by zero")
			}
			r := x % y
			if fmodAttr == 0 && r != 0 && (r < 0) != (y < 0) {
				r += y
			}
			data[o] = r
		}
		return []value{intValue(out, data)}, nil
	}
	t := &Tensor{Dims: dims64(out), Float: make([]float32, len(pairs))}
	for o, p := range pairs {
		x, y := ts[0].at(p[0]), ts[1].at(p[1])
		r := math.Mod(x, y)
		if fmodAttr == 0 && r != 0 && (r < 0) != (y < 0) {
			r += y
		}
		t.Float[o] = float32(r)
	}
	return constValue(b, t)
}

// opScatterND writes updates into a copy of data at the index tuples of
// indices (reduction none, add, mul, max, min).
func opScatterND(b *builder, n *Node, in []value) ([]value, error) {
	red, err := attrString(n, "reduction", "none")
	if err != nil {
		return nil, err
	}
	if (present(in, 0) && in[0].f != nil && in[0].f.Live()) || (present(in, 2) && in[2].f != nil && in[2].f.Live()) {
		return scatterNDLive(b, n, in, red)
	}
	ts, err := constants(in, 0, 1, 2)
	if err != nil {
		return nil, err
	}
	data, idx, upd := ts[0], ts[1], ts[2]
	if !idx.IsInt || len(idx.Dims) == 0 {
		return nil, errors.New("indices must be an integer tensor of rank ≥ 1")
	}
	ds := intShape(data)
	k := int(idx.Dims[len(idx.Dims)-1])
	if k > len(ds) {
		return nil, fmt.Errorf("index tuples of %d for data of rank %d", k, len(ds))
	}
	inner := graph.Numel(ds[k:])
	tuples := int(idx.Numel()) / max(k, 1)
	if k == 0 {
		tuples = graph.Numel(intShape(idx)[:len(idx.Dims)-1])
	}
	if int(upd.Numel()) != tuples*inner {
		return nil, fmt.Errorf("updates hold %d values, %d index tuples of %d need %d", upd.Numel(), tuples, inner, tuples*inner)
	}
	out := make([]float64, data.Numel())
	for i := range out {
		out[i] = data.at(i)
	}
	for t := 0; t < tuples; t++ {
		off := 0
		for j := 0; j < k; j++ {
			v := idx.Int[t*k+j]
			if v < 0 {
				v += int64(ds[j])
			}
			if v < 0 || v >= int64(ds[j]) {
				return nil, fmt.Errorf("index %d out of range for axis %d of %v", idx.Int[t*k+j], j, ds)
			}
			off = off*ds[j] + int(v)
		}
		for r := 0; r < inner; r++ {
			o, u := off*inner+r, upd.at(t*inner+r)
			switch red {
			case "none":
				out[o] = u
			case "add":
				out[o] += u
			case "mul":
				out[o] *= u
			case "max":
				out[o] = math.Max(out[o], u)
			case "min":
				out[o] = math.Min(out[o], u)
			default:
				return nil, fmt.Errorf("reduction %q is not supported", red)
			}
		}
	}
	res := &Tensor{Dims: data.Dims, IsInt: data.IsInt, DataType: data.DataType}
	if data.IsInt {
		res.Int = make([]int64, len(out))
		for i, v := range out {
			res.Int[i] = int64(v)
		}
	} else {
		res.Float = make([]float32, len(out))
		for i, v := range out {
			res.Float[i] = float32(v)
		}
	}
	return constValue(b, res)
}

// hostPairs broadcasts two host tensors: the output shape and, per output
// element, the offsets it reads in a and b.
func (bd *builder) hostPairs(a, b *Tensor) ([]int, [][2]int, error) {
	sa, sb := intShape(a), intShape(b)
	out, err := graph.BroadcastShape(sa, sb)
	if err != nil {
		return nil, nil, err
	}
	if err := bd.reserve(out, "broadcast"); err != nil {
		return nil, nil, err
	}
	pairs := make([][2]int, graph.Numel(out))
	for o := range pairs {
		pairs[o] = [2]int{bindex(o, out, sa), bindex(o, out, sb)}
	}
	return out, pairs, nil
}
