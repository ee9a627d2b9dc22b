package graph

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// softmax normalises exp(x) along one axis; with log set it returns the
// logarithm of that (LogSoftmax).
type softmax struct {
	axis int
	log  bool
}

func (k softmax) String() string {
	if k.log {
		return fmt.Sprintf("LogSoftmax(axis=%d)", k.axis)
	}
	return fmt.Sprintf("Softmax(axis=%d)", k.axis)
}
func (k softmax) Diffable(int) bool { return true }
func (k softmax) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || k.axis < 0 || k.axis >= len(in[0]) {
		return nil, fmt.Errorf("axis %d out of range for %v", k.axis, in)
	}
	return append([]int(nil), in[0]...), nil
}

// lanes calls f(base, stride, n) for each 1-D lane along the axis, lanes
// shared between the cores (attention has thousands).
func (k softmax) lanes(shape []int, f func(base, stride, n int)) {
	outer, n, inner := Numel(shape[:k.axis]), shape[k.axis], Numel(shape[k.axis+1:])
	lanes := outer * inner
	per := max(1, 8192/max(n, 1))
	parallel.For((lanes+per-1)/per, func(c int) {
		for l := c * per; l < min(lanes, (c+1)*per); l++ {
			o, i := l/inner, l%inner
			f(o*n*inner+i, inner, n)
		}
	})
}

func (k softmax) Forward(in []*Tensor, out *Tensor) {
	x, y := in[0].Data, out.Data
	k.lanes(in[0].Shape, func(b, s, n int) {
		mf := float32(math.Inf(-1))
		for j := 0; j < n; j++ {
			if v := x[b+j*s]; v > mf {
				mf = v
			}
		}
		m := float64(mf)
		// The numerators by the float32 exponential (relative error
		// 2e-7), eight at a time along a contiguous lane: in float64 they
		// were most of attention's softmax time.
		var sum float64
		if s == 1 {
			sum = float64(vec.ExpShift(y[b:b+n], x[b:b+n], float32(m)))
		} else {
			for j := 0; j < n; j++ {
				e := vec.Exp32(x[b+j*s] - float32(m))
				y[b+j*s] = e
				sum += float64(e)
			}
		}
		if k.log {
			ls := m + math.Log(sum)
			for j := 0; j < n; j++ {
				y[b+j*s] = float32(float64(x[b+j*s]) - ls)
			}
			return
		}
		inv := float32(1 / sum)
		for j := 0; j < n; j++ {
			y[b+j*s] *= inv
		}
	})
}

// Backward: dx = y ⊙ (g − Σ g⊙y) along the axis; for LogSoftmax
// dx = g − exp(y)·Σ g.
func (k softmax) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	y, g, d := out.Data, gout.Data, gin.Data
	k.lanes(in[0].Shape, func(b, s, n int) {
		if k.log {
			sum := 0.0
			for j := 0; j < n; j++ {
				sum += float64(g[b+j*s])
			}
			for j := 0; j < n; j++ {
				d[b+j*s] = float32(float64(g[b+j*s]) - math.Exp(float64(y[b+j*s]))*sum)
			}
			return
		}
		dot := 0.0
		for j := 0; j < n; j++ {
			dot += float64(g[b+j*s]) * float64(y[b+j*s])
		}
		for j := 0; j < n; j++ {
			d[b+j*s] = float32(float64(y[b+j*s]) * (float64(g[b+j*s]) - dot))
		}
	})
}

// Softmax normalises x along axis (negative counts from the end).
func Softmax(x *Node, axis int) (*Node, error) {
	if axis < 0 {
		axis += len(x.shape)
	}
	return Apply(softmax{axis: axis}, x)
}

// LogSoftmax is log(Softmax(x, axis)), computed stably.
func LogSoftmax(x *Node, axis int) (*Node, error) {
	if axis < 0 {
		axis += len(x.shape)
	}
	return Apply(softmax{axis: axis, log: true}, x)
}
