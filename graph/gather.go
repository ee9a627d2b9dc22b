package graph

import (
	"fmt"
	"math"
	"slices"
)

// gather is a linear map in which each output reads a few inputs:
// out[o] = Σ_t w[o·taps+t] · x[idx[o·taps+t]] (all weights 1 when w is nil).
// One kernel serves every op that moves values without arithmetic —
// strided Slice, Gather, Expand, Tile, DepthToSpace — and the
// interpolations of Resize (taps 2ᵈ with weights). The index table costs
// four bytes per output and tap, and turns each op into one pass.
type gather struct {
	name      string
	shape     []int
	inShape   []int
	taps      int
	idx       []int32
	w         []float32
	injective bool // no input is read twice: the backward scatter may run in parallel
}

func (k *gather) String() string    { return k.name }
func (k *gather) Diffable(int) bool { return true }

// Overwrites implements Overwriter: every output is written; the gradient
// is a scatter-add onto a cleared buffer.
func (k *gather) Overwrites(grad bool, _ int) bool { return !grad }

func (k *gather) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || !slices.Equal(in[0], k.inShape) {
		return nil, fmt.Errorf("built for input %v, got %v", k.inShape, in)
	}
	return append([]int(nil), k.shape...), nil
}

func (k *gather) Forward(in []*Tensor, out *Tensor) {
	x, y, idx, w, taps := in[0].Data, out.Data, k.idx, k.w, k.taps
	chunked(len(y), func(lo, hi int) {
		if taps == 1 && w == nil {
			for o := lo; o < hi; o++ {
				y[o] = x[idx[o]]
			}
			return
		}
		for o := lo; o < hi; o++ {
			s := float32(0)
			for t := o * taps; t < (o+1)*taps; t++ {
				if w == nil {
					s += x[idx[t]]
				} else {
					s += w[t] * x[idx[t]]
				}
			}
			y[o] = s
		}
	})
}

func (k *gather) Backward(_ int, _ []*Tensor, _, gout, gin *Tensor) {
	g, d, idx, w, taps := gout.Data, gin.Data, k.idx, k.w, k.taps
	scatter := func(lo, hi int) {
		for o := lo; o < hi; o++ {
			for t := o * taps; t < (o+1)*taps; t++ {
				if w == nil {
					d[idx[t]] += g[o]
				} else {
					d[idx[t]] += w[t] * g[o]
				}
			}
		}
	}
	if k.injective {
		chunked(len(g), scatter)
	} else {
		scatter(0, len(g))
	}
}

// Gather returns the tensor of the given shape whose element o is x's
// element at flat offset idx[o]. It is the general form behind Slice with
// steps, Take, Broadcast and Tile; name labels it in profiles and errors.
func Gather(x *Node, name string, shape []int, idx []int32) (*Node, error) {
	return LinearMap(x, name, shape, 1, idx, nil)
}

// LinearMap returns out[o] = Σ_t w[o·taps+t] · x[idx[o·taps+t]]; w nil
// means weights of 1.
func LinearMap(x *Node, name string, shape []int, taps int, idx []int32, w []float32) (*Node, error) {
	n := Numel(shape)
	if taps < 1 || len(idx) != n*taps || (w != nil && len(w) != len(idx)) {
		return nil, fmt.Errorf("%s: %d indices and %d weights for %d outputs of %d taps", name, len(idx), len(w), n, taps)
	}
	size := Numel(x.shape)
	if size > math.MaxInt32 {
		return nil, fmt.Errorf("%s: input %v is too large to index", name, x.shape)
	}
	seen := make([]bool, size)
	injective := true
	for _, i := range idx {
		if i < 0 || int(i) >= size {
			return nil, fmt.Errorf("%s: index %d outside input %v", name, i, x.shape)
		}
		injective = injective && !seen[i]
		seen[i] = true
	}
	return Apply(&gather{name: name, shape: append([]int(nil), shape...), inShape: x.Shape(), taps: taps, idx: idx, w: w, injective: injective}, x)
}

// strides returns the row-major strides of shape.
func strides(shape []int) []int {
	st := make([]int, len(shape))
	acc := 1
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = acc
		acc *= shape[d]
	}
	return st
}

// eachIndex calls f with every multi-index of shape in row-major order.
func eachIndex(shape []int, f func(o int, at []int)) {
	at := make([]int, len(shape))
	n := Numel(shape)
	for o := 0; o < n; o++ {
		f(o, at)
		for d := len(shape) - 1; d >= 0; d-- {
			if at[d]++; at[d] < shape[d] {
				break
			}
			at[d] = 0
		}
	}
}

// StridedSlice takes, along every axis d, size[d] elements from start[d]
// with step[d] (negative steps walk backwards), as ONNX Slice does.
func StridedSlice(x *Node, start, step, size []int) (*Node, error) {
	r := len(x.shape)
	if len(start) != r || len(step) != r || len(size) != r {
		return nil, fmt.Errorf("Slice: start %v, step %v, size %v do not fit shape %v", start, step, size, x.shape)
	}
	plain := true
	for d := range start {
		last := start[d] + (size[d]-1)*step[d]
		if size[d] < 0 || step[d] == 0 || (size[d] > 0 && (start[d] < 0 || start[d] >= x.shape[d] || last < 0 || last >= x.shape[d])) {
			return nil, fmt.Errorf("Slice: axis %d of %v: %d elements from %d by %d", d, x.shape, size[d], start[d], step[d])
		}
		plain = plain && step[d] == 1
	}
	if plain && Numel(size) > 0 {
		return Slice(x, start, size)
	}
	st := strides(x.shape)
	idx := make([]int32, Numel(size))
	eachIndex(size, func(o int, at []int) {
		off := 0
		for d, i := range at {
			off += (start[d] + i*step[d]) * st[d]
		}
		idx[o] = int32(off)
	})
	return Gather(x, fmt.Sprintf("Slice(%v,%v,%v)", start, step, size), size, idx)
}

// Take picks indices along axis (negative indices count from the end): the
// output shape is x's with that axis replaced by idxShape, as ONNX Gather.
func Take(x *Node, axis int, indices []int, idxShape []int) (*Node, error) {
	r := len(x.shape)
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return nil, fmt.Errorf("Gather: axis out of range for %v", x.shape)
	}
	if Numel(idxShape) != len(indices) {
		return nil, fmt.Errorf("Gather: %d indices for index shape %v", len(indices), idxShape)
	}
	n := x.shape[axis]
	norm := make([]int, len(indices))
	for i, v := range indices {
		if v < 0 {
			v += n
		}
		if v < 0 || v >= n {
			return nil, fmt.Errorf("Gather: index %d out of range for axis %d of %v", indices[i], axis, x.shape)
		}
		norm[i] = v
	}
	outer, inner := Numel(x.shape[:axis]), Numel(x.shape[axis+1:])
	shape := append(append(append([]int(nil), x.shape[:axis]...), idxShape...), x.shape[axis+1:]...)
	idx := make([]int32, 0, Numel(shape))
	for o := 0; o < outer; o++ {
		for _, v := range norm {
			for i := 0; i < inner; i++ {
				idx = append(idx, int32((o*n+v)*inner+i))
			}
		}
	}
	return Gather(x, fmt.Sprintf("Gather(axis=%d,%d)", axis, len(indices)), shape, idx)
}

// Broadcast expands x to shape by numpy rules (ONNX Expand: the result has
// the broadcast of both shapes).
func Broadcast(x *Node, shape []int) (*Node, error) {
	out, err := BroadcastShape(x.shape, shape)
	if err != nil {
		return nil, fmt.Errorf("Expand: %w", err)
	}
	if slices.Equal(out, x.shape) {
		return x, nil
	}
	bs := bstrides(x.shape, out)
	idx := make([]int32, Numel(out))
	eachIndex(out, func(o int, at []int) {
		off := 0
		for d, i := range at {
			off += i * bs[d]
		}
		idx[o] = int32(off)
	})
	return Gather(x, fmt.Sprintf("Expand(%v)", out), out, idx)
}

// Tile repeats x reps[d] times along each axis d.
func Tile(x *Node, reps []int) (*Node, error) {
	if len(reps) != len(x.shape) {
		return nil, fmt.Errorf("Tile: repeats %v do not fit shape %v", reps, x.shape)
	}
	shape := make([]int, len(reps))
	for d, r := range reps {
		if r < 0 {
			return nil, fmt.Errorf("Tile: negative repeat in %v", reps)
		}
		shape[d] = x.shape[d] * r
	}
	st := strides(x.shape)
	idx := make([]int32, Numel(shape))
	eachIndex(shape, func(o int, at []int) {
		off := 0
		for d, i := range at {
			off += (i % x.shape[d]) * st[d]
		}
		idx[o] = int32(off)
	})
	return Gather(x, fmt.Sprintf("Tile(%v)", reps), shape, idx)
}
