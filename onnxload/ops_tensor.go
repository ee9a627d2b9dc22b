package onnxload

// Tensor ops that move values: reshaping, transposing, slicing, gathering,
// concatenation, padding, expansion, resizing.

import (
	"errors"
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

var tensorOps = map[string]opFunc{
	"Concat": opConcat, "Flatten": opFlatten, "Reshape": opReshape, "Transpose": opTranspose,
	"Squeeze": opSqueeze, "Unsqueeze": opUnsqueeze, "Pad": opPad, "Dropout": opDropout, "Identity": opIdentity,
	"Gather": opGather, "Cast": opCast, "CastLike": opCastLike, "Slice": opSlice, "Expand": opExpand, "Tile": opTile,
	"Split": opSplit, "DepthToSpace": opDepthToSpace, "SpaceToDepth": opSpaceToDepth, "GridSample": opGridSample,
	"Resize": opResize, "Upsample": opResize,
}

func opIdentity(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	return []value{in[0]}, nil
}

// opDropout is the identity in inference mode; in training mode (opset
// 12's training_mode input, true) it drops units at random, which an
// inversion cannot mean, so it is refused rather than computed as the
// identity.
func opDropout(b *builder, n *Node, in []value) ([]value, error) {
	if present(in, 2) {
		t, ok := host(in[2])
		if !ok {
			return nil, errors.New("training_mode must be a constant")
		}
		if t.Numel() != 1 {
			return nil, errors.New("training_mode must be a scalar")
		}
		if t.at(0) != 0 {
			ratio := 0.5
			if present(in, 1) {
				if r, ok := host(in[1]); ok && r.Numel() == 1 {
					ratio = r.at(0)
				}
			}
			if ratio != 0 {
				return nil, errors.New("training_mode=true (units dropped at random) is not computed: invrep runs models in inference mode; export the model in eval mode (PyTorch's model.eval())")
			}
		}
	}
	return opIdentity(b, n, in)
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
	// A part of zero size adds nothing (a valid model may hold one, from a
	// Split with an empty part): it is left out, once its shape is checked.
	if _, err := graph.ConcatShape(a, xs...); err != nil {
		return nil, err
	}
	parts := xs[:0:0]
	for _, x := range xs {
		if graph.Numel(x.Shape()) > 0 {
			parts = append(parts, x)
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("every input is empty (%v)", xs[0].Shape())
	}
	return one(graph.Concat(a, parts...))
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
			if d > maxConstElems {
				return nil, fmt.Errorf("shape %v: dimension %d is too large", to, d)
			}
			out[i] = int(d)
		}
		// Checked, so that [2^62+1, 8192] cannot wrap around to 8192.
		if out[i] != 0 && known > maxConstElems/out[i] {
			return nil, fmt.Errorf("shape %v is too large (more than %d elements)", to, int64(maxConstElems))
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
	if mode != "constant" && mode != "edge" {
		return nil, fmt.Errorf("Pad mode %q is not supported (constant and edge are)", mode)
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
	out := x.Shape()
	for i, a := range axes {
		ax, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		if pads[i] > maxConstElems || pads[i+len(axes)] > maxConstElems || pads[i] < -maxConstElems || pads[i+len(axes)] < -maxConstElems {
			return nil, fmt.Errorf("pads %v are too large", pads)
		}
		begin[ax], end[ax] = int(pads[i]), int(pads[i+len(axes)])
		out[ax] += begin[ax] + end[ax]
	}
	if err := b.reserve(out, "Pad"); err != nil {
		return nil, err
	}
	if mode == "edge" {
		return one(graph.PadEdge(x, begin, end))
	}
	return one(graph.Pad(x, begin, end, val))
}

func clampIndex(i int64, n int) int64 {
	if i < 0 {
		i += int64(n)
	}
	return max(0, min(i, int64(n)))
}

// opGather folds integer data on the host and takes float data (weights,
// or values that depend on the input such as a ViT's class token) with a
// graph gather; the indices must be constant.
func opGather(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) || !present(in, 1) {
		return nil, errors.New("Gather needs data and indices")
	}
	idx, ok := host(in[1])
	if !ok {
		return nil, errors.New("indices that depend on the graph input are not supported")
	}
	if !idx.IsInt {
		return nil, errors.New("indices must be integers")
	}
	axis, err := attrInt(n, "axis", 0)
	if err != nil {
		return nil, err
	}
	if in[0].i != nil {
		t, err := b.foldGather(in[0].i, idx, axis)
		return []value{{i: t}}, err
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	is := make([]int, len(idx.Int))
	for k, v := range idx.Int {
		is[k] = int(v)
	}
	xs := x.Shape()
	ax, err := normAxis(axis, len(xs))
	if err != nil {
		return nil, err
	}
	if err := b.reserve(append(append(append([]int(nil), xs[:ax]...), len(is)), xs[ax+1:]...), "Gather"); err != nil {
		return nil, err
	}
	return one(graph.Take(x, ax, is, intShape(idx)))
}

func opCast(b *builder, n *Node, in []value) ([]value, error) {
	to, err := attrInt(n, "to", dtFloat)
	if err != nil {
		return nil, err
	}
	return castTo(b, n, in, to)
}

// castTo converts a value to element type to: float types keep the float
// path (float16 and double are computed in float32), integer types
// truncate constants toward zero, bool maps non-zero to 1.
func castTo(b *builder, n *Node, in []value, to int64) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	if isFloatType(to) {
		f, err := b.float(n, in, 0)
		return one(f, err)
	}
	if elemSize(to) == 0 {
		return nil, fmt.Errorf("cast to %s is not supported", elemTypeName(to))
	}
	t, ok := host(in[0])
	if !ok {
		return nil, errors.New("casting values that depend on the graph input to integers has no gradient")
	}
	data := make([]int64, t.Numel())
	for k := range data {
		if t.IsInt {
			data[k] = t.Int[k]
		} else {
			data[k] = int64(t.Float[k]) // Go truncates toward zero, as ONNX's Cast
		}
		if to == dtBool {
			data[k] = b2i(t.at(k) != 0)
		}
	}
	v := intValue(intShape(t), data)
	v.i.DataType = int32(to)
	return []value{v}, nil
}

// sliceRange resolves ONNX Slice's start, end and step on an axis of
// size dim (negative indices count from the end, out-of-range ones clamp,
// negative steps walk backwards) into a first index and a count.
func sliceRange(start, end, step int64, dim int) (first, count int) {
	d := int64(dim)
	if start < 0 {
		start += d
	}
	if end < 0 {
		end += d
	}
	if step > 0 {
		start, end = max(0, min(start, d)), max(0, min(end, d))
		if end <= start {
			return int(start), 0
		}
		return int(start), int((end - start + step - 1) / step)
	}
	start, end = max(0, min(start, d-1)), max(-1, min(end, d-1))
	if start <= end {
		return int(start), 0
	}
	return int(start), int((start - end - step - 1) / -step)
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
			return nil, fmt.Errorf("starts: %w", err)
		}
		if ends, err = constInts(in, 2); err != nil {
			return nil, fmt.Errorf("ends: %w", err)
		}
		if present(in, 3) {
			if axes, err = constInts(in, 3); err != nil {
				return nil, fmt.Errorf("axes: %w", err)
			}
		}
		if present(in, 4) {
			if steps, err = constInts(in, 4); err != nil {
				return nil, fmt.Errorf("steps: %w", err)
			}
		}
	}
	s := in[0].shape()
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if len(starts) != len(ends) || len(axes) != len(starts) || (steps != nil && len(steps) != len(starts)) {
		return nil, fmt.Errorf("starts %v, ends %v, axes %v and steps %v differ in length", starts, ends, axes, steps)
	}
	first, step, size := make([]int, len(s)), make([]int, len(s)), append([]int(nil), s...)
	for d := range step {
		step[d] = 1
	}
	for i, a := range axes {
		ax, err := normAxis(a, len(s))
		if err != nil {
			return nil, err
		}
		st := int64(1)
		if steps != nil {
			st = steps[i]
		}
		if st == 0 {
			return nil, fmt.Errorf("step 0 on axis %d", ax)
		}
		first[ax], size[ax] = sliceRange(starts[i], ends[i], st, s[ax])
		step[ax] = int(st)
	}
	if in[0].i != nil {
		return []value{{i: sliceInts(in[0].i, s, first, step, size)}}, nil
	}
	if graph.Numel(size) == 0 {
		return nil, fmt.Errorf("the slice of %v is empty", s)
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	return one(graph.StridedSlice(x, first, step, size))
}

func opExpand(b *builder, n *Node, in []value) ([]value, error) {
	shape, err := constInts(in, 1)
	if err != nil {
		return nil, fmt.Errorf("shape: %w", err)
	}
	target := make([]int, len(shape))
	for k, v := range shape {
		if v < 0 || v > maxConstElems {
			return nil, fmt.Errorf("shape %v has a dimension out of range", shape)
		}
		target[k] = int(v)
	}
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	// What is charged is the result, the broadcast of the input and the
	// target: an input larger than the target makes it larger too.
	out, err := graph.BroadcastShape(in[0].shape(), target)
	if err != nil {
		return nil, err
	}
	if err := b.reserve(out, "Expand"); err != nil {
		return nil, err
	}
	if in[0].i != nil {
		s := intShape(in[0].i)
		data := make([]int64, graph.Numel(out))
		for o := range data {
			data[o] = in[0].i.Int[bindex(o, out, s)]
		}
		return []value{intValue(out, data)}, nil
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	return one(graph.Broadcast(x, target))
}

func opTile(b *builder, n *Node, in []value) ([]value, error) {
	reps, err := constInts(in, 1)
	if err != nil {
		return nil, fmt.Errorf("repeats: %w", err)
	}
	r := make([]int, len(reps))
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	xs := x.Shape()
	if len(reps) != len(xs) {
		return nil, fmt.Errorf("repeats %v do not fit shape %v", reps, xs)
	}
	out := make([]int, len(reps))
	for k, v := range reps {
		if v < 0 || v > maxConstElems {
			return nil, fmt.Errorf("repeats %v", reps)
		}
		r[k], out[k] = int(v), xs[k]*int(v)
	}
	if err := b.reserve(out, "Tile"); err != nil {
		return nil, err
	}
	return one(graph.Tile(x, r))
}

// opSplit cuts along an axis by the sizes given as an attribute (before
// opset 13) or an input, or into num_outputs near-equal parts (opset 18),
// or into equal parts.
func opSplit(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 0) {
		return nil, errors.New("input 0 is missing")
	}
	a := attrs{n: n}
	axis := a.int("axis", 0)
	parts := a.int("num_outputs", int64(len(n.Outputs)))
	if a.err != nil {
		return nil, a.err
	}
	s := in[0].shape()
	ax, err := normAxis(axis, len(s))
	if err != nil {
		return nil, err
	}
	var sizes []int64
	if b.m.Opset < 13 {
		if sizes, _, err = attrInts(n, "split"); err != nil {
			return nil, err
		}
	} else if present(in, 1) {
		if sizes, err = constInts(in, 1); err != nil {
			return nil, fmt.Errorf("split: %w", err)
		}
	}
	if sizes == nil {
		if parts <= 0 {
			return nil, fmt.Errorf("cannot split into %d parts", parts)
		}
		each := (int64(s[ax]) + parts - 1) / parts
		for left := int64(s[ax]); left > 0; left -= each {
			sizes = append(sizes, min(each, left))
		}
	}
	total := int64(0)
	for _, v := range sizes {
		if v < 0 {
			return nil, fmt.Errorf("negative split size in %v", sizes)
		}
		total += v
	}
	if total != int64(s[ax]) || len(sizes) < len(n.Outputs) {
		return nil, fmt.Errorf("split sizes %v do not cut axis %d of %v into %d outputs", sizes, ax, s, len(n.Outputs))
	}
	var outs []value
	off := 0
	for _, v := range sizes {
		first, step, size := make([]int, len(s)), make([]int, len(s)), append([]int(nil), s...)
		for d := range step {
			step[d] = 1
		}
		first[ax], size[ax] = off, int(v)
		off += int(v)
		if in[0].i != nil {
			outs = append(outs, value{i: sliceInts(in[0].i, s, first, step, size)})
			continue
		}
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		y, err := graph.StridedSlice(x, first, step, size)
		if err != nil {
			return nil, err
		}
		outs = append(outs, value{f: y})
	}
	return outs, nil
}

// opDepthToSpace and opSpaceToDepth rearrange blocks of channels and
// pixels: a reshape, a transpose and a reshape.
func opDepthToSpace(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	a := attrs{n: n}
	bs, mode := int(a.int("blocksize", 0)), a.string("mode", "DCR")
	if a.err != nil {
		return nil, a.err
	}
	s := x.Shape()
	// bs is checked against the channels before it is squared, which
	// could wrap to 0.
	if len(s) != 4 || bs <= 0 || bs > s[1] || s[1]%(bs*bs) != 0 {
		return nil, fmt.Errorf("blocksize %d does not fit input %v", bs, s)
	}
	c := s[1] / (bs * bs)
	shape, perm := []int{s[0], bs, bs, c, s[2], s[3]}, []int{0, 3, 4, 1, 5, 2}
	if mode == "CRD" {
		shape, perm = []int{s[0], c, bs, bs, s[2], s[3]}, []int{0, 1, 4, 2, 5, 3}
	} else if mode != "DCR" {
		return nil, fmt.Errorf("mode %q (want DCR or CRD)", mode)
	}
	return one(blockShuffle(x, shape, perm, []int{s[0], c, s[2] * bs, s[3] * bs}))
}

func opSpaceToDepth(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	bs, err := attrInt(n, "blocksize", 0)
	if err != nil {
		return nil, err
	}
	s := x.Shape()
	k := int(bs)
	if len(s) != 4 || k <= 0 || s[2]%k != 0 || s[3]%k != 0 {
		return nil, fmt.Errorf("blocksize %d does not fit input %v", bs, s)
	}
	return one(blockShuffle(x, []int{s[0], s[1], s[2] / k, k, s[3] / k, k}, []int{0, 3, 5, 1, 2, 4}, []int{s[0], s[1] * k * k, s[2] / k, s[3] / k}))
}

func blockShuffle(x *graph.Node, shape, perm, out []int) (*graph.Node, error) {
	y, err := graph.Reshape(x, shape)
	if err != nil {
		return nil, err
	}
	if y, err = graph.Transpose(y, perm); err != nil {
		return nil, err
	}
	return graph.Reshape(y, out)
}

func opCastLike(b *builder, n *Node, in []value) ([]value, error) {
	if !present(in, 1) {
		return nil, errors.New("input 1 is missing")
	}
	to := int64(dtFloat)
	if in[1].i != nil {
		to = dtInt64
		if in[1].i.DataType == dtBool {
			to = dtBool
		}
	}
	return castTo(b, n, in, to)
}

// opResize reads Resize (opsets 10–21) and Upsample (7–9): scales as an
// attribute (Upsample 7–8) or an input, or output sizes (Resize 11+),
// optionally for a subset of axes (Resize 18+).
func opResize(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	s := x.Shape()
	a := attrs{n: n}
	p := graph.ResizeParams{Mode: a.string("mode", "nearest"), Coord: "asymmetric", Nearest: "round_prefer_floor"}
	if p.Mode == "nearest" && n.OpType == "Upsample" {
		p.Nearest = "floor"
	}
	if n.OpType == "Resize" && b.m.Opset >= 11 {
		p.Coord = a.string("coordinate_transformation_mode", "half_pixel")
		p.Nearest = a.string("nearest_mode", "round_prefer_floor")
		p.CubicA = float64(a.float("cubic_coeff_a", -0.75))
		p.ExcludeOutside = a.int("exclude_outside", 0) != 0
	}
	if n.OpType == "Resize" && b.m.Opset == 10 && p.Mode == "nearest" {
		p.Nearest = "floor"
	}
	antialias := a.int("antialias", 0)
	policy := a.string("keep_aspect_ratio_policy", "stretch")
	axes64, _, err := attrInts(n, "axes")
	if a.err != nil || err != nil {
		return nil, errors.Join(a.err, err)
	}
	if antialias != 0 || policy != "stretch" {
		return nil, errors.New("antialias and keep_aspect_ratio_policy other than stretch are not supported")
	}
	axes := make([]int, 0, len(s))
	for _, v := range axes64 {
		ax, err := normAxis(v, len(s))
		if err != nil {
			return nil, err
		}
		axes = append(axes, ax)
	}
	if len(axes) == 0 {
		for d := range s {
			axes = append(axes, d)
		}
	}
	var scales []float32
	var sizes []int64
	switch {
	case n.OpType == "Upsample" && b.m.Opset < 9:
		if v, ok := n.Attrs["scales"].([]float32); ok {
			scales = v
		}
	case n.OpType == "Upsample" || b.m.Opset == 10:
		if scales, err = floatsOf(in, 1); err != nil {
			return nil, fmt.Errorf("scales: %w", err)
		}
	default: // Resize 11+: X, roi, scales, sizes
		if p.Coord == "tf_crop_and_resize" {
			roi, err := floatsOf(in, 1)
			if err != nil {
				return nil, fmt.Errorf("roi: %w", err)
			}
			for _, v := range roi {
				p.ROI = append(p.ROI, float64(v))
			}
			p.Extrapolation = float64(a.float("extrapolation_value", 0))
			if a.err != nil {
				return nil, a.err
			}
		}
		if present(in, 3) {
			if sizes, err = constInts(in, 3); err != nil {
				return nil, fmt.Errorf("sizes: %w", err)
			}
		} else if scales, err = floatsOf(in, 2); err != nil {
			return nil, fmt.Errorf("scales: %w", err)
		}
	}
	if scales == nil && sizes == nil {
		return nil, errors.New("neither scales nor sizes are given")
	}
	p.Out = append([]int(nil), s...)
	p.Scales = make([]float64, len(s))
	for d := range p.Scales {
		p.Scales[d] = 1
	}
	if len(scales)+len(sizes) != len(axes) {
		return nil, fmt.Errorf("%d scales and %d sizes for %d axes of %v", len(scales), len(sizes), len(axes), s)
	}
	for k, ax := range axes {
		if sizes != nil {
			p.Out[ax] = int(sizes[k])
			p.Scales[ax] = float64(sizes[k]) / float64(s[ax])
		} else {
			p.Scales[ax] = float64(scales[k])
			p.Out[ax] = int(math.Floor(float64(s[ax]) * float64(scales[k])))
		}
	}
	if graph.ResizeByPlanes(s, p) {
		// Tables per axis only: the output is charged as every output
		// is; checked here first, so that the message names the Resize.
		if err := b.fits(p.Out, fmt.Sprintf("Resize to %v", p.Out)); err != nil {
			return nil, err
		}
		return one(graph.Resize(x, p))
	}
	taps := make([]int, len(p.Out))
	copy(taps, p.Out)
	// The index table holds up to 2³ taps of linear interpolation per
	// output, 4³ of cubic.
	if p.Mode == "cubic" {
		taps[0] *= 64
	} else {
		taps[0] *= 8
	}
	if err := b.reserve(taps, fmt.Sprintf("Resize to %v", p.Out)); err != nil {
		return nil, err
	}
	return one(graph.Resize(x, p))
}

// floatsOf returns input k as constant floats, nil when absent or empty.
func floatsOf(in []value, k int) ([]float32, error) {
	if !present(in, k) {
		return nil, nil
	}
	t, ok := host(in[k])
	if !ok {
		return nil, errors.New("must be a constant")
	}
	out := make([]float32, t.Numel())
	for i := range out {
		out[i] = float32(t.at(i))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// opGridSample is GridSample on 2-D images (opset 16's mode names, and
// opset 20's linear and cubic for them).
func opGridSample(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	grid, err := b.float(n, in, 1)
	if err != nil {
		return nil, err
	}
	a := attrs{n: n}
	p := graph.GridSampleParams{Mode: a.string("mode", "bilinear"), Padding: a.string("padding_mode", "zeros"), AlignCorners: a.int("align_corners", 0) != 0}
	if a.err != nil {
		return nil, a.err
	}
	switch p.Mode {
	case "linear":
		p.Mode = "bilinear"
	case "cubic":
		p.Mode = "bicubic"
	}
	if len(x.Shape()) != 4 {
		return nil, fmt.Errorf("only 2-D sampling is supported (input %v)", x.Shape())
	}
	return one(graph.GridSample(x, grid, p))
}
