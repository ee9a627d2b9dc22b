package onnxload

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// Integer tensors only carry shape arithmetic (Shape → Gather → Unsqueeze →
// Concat → Reshape chains that exporters emit); they are folded to constants
// once the input shape is known and never enter the graph.

func intShape(t *Tensor) []int {
	s := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		s[i] = int(d)
	}
	return s
}

func (bd *builder) foldBinary(a, b *Tensor, f func(x, y int64) int64) (*Tensor, error) {
	sa, sb := intShape(a), intShape(b)
	out, err := graph.BroadcastShape(sa, sb)
	if err != nil {
		return nil, err
	}
	if err := bd.reserve(out, "broadcast"); err != nil {
		return nil, err
	}
	n := 1
	for _, d := range out {
		n *= d
	}
	t := &Tensor{Dims: dims64(out), Int: make([]int64, n), IsInt: true}
	for o := 0; o < n; o++ {
		t.Int[o] = f(a.Int[bindex(o, out, sa)], b.Int[bindex(o, out, sb)])
	}
	return t, nil
}

// bindex maps output offset o to the offset in a broadcast input of shape s.
func bindex(o int, out, s []int) int {
	idx, stride := 0, 1
	for d := len(out) - 1; d >= 0; d-- {
		c := o % out[d]
		o /= out[d]
		if j := len(s) - len(out) + d; j >= 0 {
			if s[j] != 1 {
				idx += c * stride
			}
			stride *= s[j]
		}
	}
	return idx
}

func foldConcat(in []value, axis int64) (*Tensor, error) {
	s0 := intShape(in[0].i)
	ax, err := normAxis(axis, len(s0))
	if err != nil {
		return nil, err
	}
	outer := 1
	for _, d := range s0[:ax] {
		outer *= d
	}
	out := append([]int(nil), s0...)
	out[ax] = 0
	for _, v := range in {
		s := intShape(v.i)
		if len(s) != len(s0) {
			return nil, fmt.Errorf("concat of ranks %v and %v", s0, s)
		}
		out[ax] += s[ax]
	}
	t := &Tensor{Dims: dims64(out), IsInt: true}
	for b := 0; b < outer; b++ {
		for _, v := range in {
			inner := len(v.i.Int) / outer
			t.Int = append(t.Int, v.i.Int[b*inner:(b+1)*inner]...)
		}
	}
	return t, nil
}

func (bd *builder) foldGather(data, idx *Tensor, axis int64) (*Tensor, error) {
	s := intShape(data)
	if len(s) == 0 {
		return nil, fmt.Errorf("gather from a scalar")
	}
	ax, err := normAxis(axis, len(s))
	if err != nil {
		return nil, err
	}
	outer, inner := 1, 1
	for _, d := range s[:ax] {
		outer *= d
	}
	for _, d := range s[ax+1:] {
		inner *= d
	}
	dims := append(append(append([]int64(nil), data.Dims[:ax]...), idx.Dims...), data.Dims[ax+1:]...)
	if err := bd.reserve(intShape(&Tensor{Dims: dims}), "Gather"); err != nil {
		return nil, err
	}
	t := &Tensor{Dims: dims, IsInt: true}
	for b := 0; b < outer; b++ {
		for _, k := range idx.Int {
			if k < 0 {
				k += int64(s[ax])
			}
			if k < 0 || k >= int64(s[ax]) {
				return nil, fmt.Errorf("gather index %d out of range for axis of size %d", k, s[ax])
			}
			off := (b*s[ax] + int(k)) * inner
			t.Int = append(t.Int, data.Int[off:off+inner]...)
		}
	}
	return t, nil
}

// sliceInts takes size[d] elements from start[d] by step[d] on every axis.
func sliceInts(t *Tensor, s, start, step, size []int) *Tensor {
	out := &Tensor{Dims: dims64(size), IsInt: true, Int: []int64{}, DataType: t.DataType}
	n := 1
	for _, d := range size {
		n *= d
	}
	idx := make([]int, len(s))
	for o := 0; o < n; o++ {
		off := 0
		for d := range s {
			off = off*s[d] + start[d] + idx[d]*step[d]
		}
		out.Int = append(out.Int, t.Int[off])
		for d := len(s) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < size[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}
