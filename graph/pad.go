package graph

import (
	"fmt"

	"github.com/invrep/invrep/graph/parallel"
)

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

// rowMap returns, for each row of the output (its last axis), the offset
// of the input row it reads, or -1 where the row lies in the padding.
func (k pad) rowMap(inShape, outShape []int) []int {
	r := len(inShape)
	st := strides(inShape)
	rows := make([]int, 0, Numel(outShape[:r-1]))
	eachIndex(outShape[:r-1], func(_ int, at []int) {
		i := 0
		for d, a := range at {
			j := a - k.begin[d]
			if k.edge {
				j = min(max(j, 0), inShape[d]-1)
			}
			if j < 0 || j >= inShape[d] {
				i = -1
				break
			}
			i += j * st[d]
		}
		rows = append(rows, i)
	})
	return rows
}

// span returns the part [lo, hi) of an output row that reads input.
func (k pad) span(w, wi int) (lo, hi int) {
	b := k.begin[len(k.begin)-1]
	return min(max(0, b), w), max(min(w, b+wi), min(max(0, b), w))
}

// eachRow runs f over the output's rows, in parallel unless serial.
func eachRow(rows int, serial bool, f func(row int)) {
	if serial {
		for r := 0; r < rows; r++ {
			f(r)
		}
		return
	}
	parallel.For((rows+63)/64, func(c int) {
		for r := c * 64; r < min(rows, (c+1)*64); r++ {
			f(r)
		}
	})
}

// Overwrites implements Overwriter: the forward pass writes every output.
func (k pad) Overwrites(grad bool, _ int) bool { return !grad }

// Forward copies each row's overlap with the input and fills the rest.
func (k pad) Forward(in []*Tensor, out *Tensor) {
	r := len(in[0].Shape)
	w, wi, b := out.Shape[r-1], in[0].Shape[r-1], k.begin[r-1]
	lo, hi := k.span(w, wi)
	rows := k.rowMap(in[0].Shape, out.Shape)
	x, y := in[0].Data, out.Data
	eachRow(len(rows), false, func(row int) {
		ys, i := y[row*w:(row+1)*w], rows[row]
		if i < 0 {
			for t := range ys {
				ys[t] = k.value
			}
			return
		}
		copy(ys[lo:hi], x[i+lo-b:i+hi-b])
		left, right := k.value, k.value
		if k.edge {
			left, right = x[i], x[i+wi-1]
		}
		for t := 0; t < lo; t++ {
			ys[t] = left
		}
		for t := hi; t < w; t++ {
			ys[t] = right
		}
	})
}

// Backward adds each row's gradient into the input row it read; edge
// padding sends the border's gradient to the edge values. Rows map to
// distinct input rows except with edge padding, which then runs serially.
// GradReads implements GradReader: the gradient is the output's, cropped.
func (k pad) GradReads(i, j int) bool { return false }

func (k pad) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	r := len(in[0].Shape)
	w, wi, b := out.Shape[r-1], in[0].Shape[r-1], k.begin[r-1]
	lo, hi := k.span(w, wi)
	rows := k.rowMap(in[0].Shape, out.Shape)
	g, d := gout.Data, gin.Data
	eachRow(len(rows), k.edge, func(row int) {
		gs, i := g[row*w:(row+1)*w], rows[row]
		if i < 0 {
			return
		}
		ds := d[i+lo-b : i+hi-b]
		for t, v := range gs[lo:hi] {
			ds[t] += v
		}
		if k.edge {
			for t := 0; t < lo; t++ {
				d[i] += gs[t]
			}
			for t := hi; t < w; t++ {
				d[i+wi-1] += gs[t]
			}
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
