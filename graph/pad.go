package graph

import "fmt"

// pad adds (or, with negative amounts, removes) a border along each axis:
// begin[d] before and end[d] after, filled with a constant or, with edge,
// by repeating the nearest input element.
type pad struct {
	begin, end []int
	value      float32
	edge       bool
}

func (k pad) String() string {
	if k.edge {
		return fmt.Sprintf("PadEdge(%v,%v)", k.begin, k.end)
	}
	return fmt.Sprintf("Pad(%v,%v,%g)", k.begin, k.end, k.value)
}
func (k pad) Diffable(int) bool { return true }
func (k pad) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != len(k.begin) || len(k.end) != len(k.begin) {
		return nil, fmt.Errorf("pads %v,%v do not fit input %v", k.begin, k.end, in)
	}
	out := make([]int, len(in[0]))
	for d, s := range in[0] {
		out[d] = s + k.begin[d] + k.end[d]
		if out[d] <= 0 {
			return nil, fmt.Errorf("padding leaves axis %d of %v empty", d, in[0])
		}
	}
	return out, nil
}

// walk calls f(o, i) for every output offset o, with i the input offset or -1.
func (k pad) walk(inShape, outShape []int, f func(o, i int)) {
	r := len(inShape)
	st := make([]int, r)
	acc := 1
	for d := r - 1; d >= 0; d-- {
		st[d] = acc
		acc *= inShape[d]
	}
	idx := make([]int, r)
	for o := 0; o < Numel(outShape); o++ {
		i := 0
		for d := 0; d < r && i >= 0; d++ {
			j := idx[d] - k.begin[d]
			if k.edge {
				j = min(max(j, 0), inShape[d]-1)
			}
			if j < 0 || j >= inShape[d] {
				i = -1
			} else {
				i += j * st[d]
			}
		}
		f(o, i)
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < outShape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

func (k pad) Forward(in []*Tensor, out *Tensor) {
	k.walk(in[0].Shape, out.Shape, func(o, i int) {
		if i < 0 {
			out.Data[o] = k.value
		} else {
			out.Data[o] = in[0].Data[i]
		}
	})
}

func (k pad) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	k.walk(in[0].Shape, out.Shape, func(o, i int) {
		if i >= 0 {
			gin.Data[i] += gout.Data[o]
		}
	})
}

// Pad pads x with a constant value: begin[d] elements before axis d and
// end[d] after (negative values crop).
func Pad(x *Node, begin, end []int, value float32) (*Node, error) {
	return Apply(pad{begin: append([]int(nil), begin...), end: append([]int(nil), end...), value: value}, x)
}

// PadEdge pads x by repeating its border elements (numpy's "edge" mode).
func PadEdge(x *Node, begin, end []int) (*Node, error) {
	for d := range begin {
		if begin[d] < 0 || end[d] < 0 {
			return nil, fmt.Errorf("PadEdge: negative pads %v, %v", begin, end)
		}
	}
	return Apply(pad{begin: append([]int(nil), begin...), end: append([]int(nil), end...), edge: true}, x)
}

// Slice keeps x[start[d] : start[d]+size[d]] along every axis d.
func Slice(x *Node, start, size []int) (*Node, error) {
	if len(start) != len(x.shape) || len(size) != len(x.shape) {
		return nil, fmt.Errorf("Slice: start %v and size %v do not fit shape %v", start, size, x.shape)
	}
	begin, end := make([]int, len(start)), make([]int, len(start))
	for d := range start {
		if start[d] < 0 || size[d] <= 0 || start[d]+size[d] > x.shape[d] {
			return nil, fmt.Errorf("Slice: [%d:%d] is outside axis %d of %v", start[d], start[d]+size[d], d, x.shape)
		}
		begin[d], end[d] = -start[d], start[d]+size[d]-x.shape[d]
	}
	return Pad(x, begin, end, 0)
}
