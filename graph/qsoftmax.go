package graph

import (
	"fmt"
	"math"
)

// qsoftmax is onnxruntime's QLinearSoftmax on uint8 values held in
// float32, along the last axis, computed as its CPU kernel does: a
// 256-entry table of exp((i − 255 + shift)·xs), shift making the sum of a
// row fit float32, read from 255 − max(row); then y = round(t·⌊1/ys⌋ /
// Σt) + zy, at most 255. Its gradient is the float softmax's of xs·x,
// divided by ys: the straight-through estimator of the rounding.
type qsoftmax struct {
	table  [256]float32
	xs, ys float32
	yscale float32 // ⌊1/ys⌋
	zy     float32
}

func (q *qsoftmax) String() string { return fmt.Sprintf("QLinearSoftmax(%g, %g)", q.xs, q.ys) }

func (q *qsoftmax) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) == 0 {
		return nil, fmt.Errorf("want one input of rank ≥ 1, got %v", in)
	}
	return append([]int(nil), in[0]...), nil
}

func (q *qsoftmax) Diffable(int) bool { return true }

// Overwrites implements Overwriter.
func (q *qsoftmax) Overwrites(bool, int) bool { return true }

func (q *qsoftmax) Forward(in []*Tensor, out *Tensor) {
	x := in[0]
	d := x.Shape[len(x.Shape)-1]
	for r := 0; r+d <= len(x.Data); r += d {
		row, y := x.Data[r:r+d], out.Data[r:r+d]
		xmax := float32(0)
		for _, v := range row {
			xmax = max(xmax, v)
		}
		off := 255 - int(xmax)
		sum := float32(0)
		for _, v := range row {
			sum += q.table[off+int(v)]
		}
		for i, v := range row {
			if sum == 0 {
				y[i] = q.zy
				continue
			}
			t := q.table[off+int(v)]
			y[i] = min(float32(math.RoundToEven(float64(t*q.yscale/sum)))+q.zy, 255)
		}
	}
}

func (q *qsoftmax) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	x := in[0]
	d := x.Shape[len(x.Shape)-1]
	s := make([]float64, d)
	for r := 0; r+d <= len(x.Data); r += d {
		row := x.Data[r : r+d]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		total := 0.0
		for i, v := range row {
			s[i] = math.Exp(float64(q.xs) * (float64(v) - m))
			total += s[i]
		}
		dot := 0.0
		for i := range s {
			s[i] /= total
			dot += s[i] * float64(gout.Data[r+i])
		}
		for i := range s {
			gin.Data[r+i] = float32(float64(q.xs) / float64(q.ys) * s[i] * (float64(gout.Data[r+i]) - dot))
		}
	}
}

// QLinearSoftmax is onnxruntime's quantised softmax of uint8 x along its
// last axis (see qsoftmax), x's scale xs, the output's scale ys and zero
// point zy.
func QLinearSoftmax(x *Node, xs, ys, zy float32) (*Node, error) {
	s := x.Shape()
	d := s[len(s)-1]
	q := &qsoftmax{xs: xs, ys: ys, zy: zy, yscale: float32(math.Floor(float64(1 / ys)))}
	// The table's shift keeps Σ exp below float32's largest value with five
	// bits to spare, as onnxruntime's does.
	// (onnxruntime divides float32's largest by the row length in float32.)
	shift := math.Max(0, math.Log(float64(float32(math.MaxFloat32)/float32(d)))-5) / float64(xs)
	for i := range q.table {
		q.table[i] = float32(math.Exp((float64(i) - 255 + shift) * float64(xs)))
	}
	return Apply(q, x)
}
