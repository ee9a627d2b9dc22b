package graph

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"testing"
)

// reduceRef folds axes of x (shape s) in float64, the obvious way.
func reduceRef(kind ReduceKind, s []int, axes []int) func([]float64) []float64 {
	return func(x []float64) []float64 {
		red := map[int]bool{}
		for _, a := range axes {
			red[a] = true
		}
		var outShape []int
		for d, n := range s {
			if !red[d] {
				outShape = append(outShape, n)
			}
		}
		groups := make([][]float64, Numel(outShape))
		idx := make([]int, len(s))
		for i := range x {
			o := 0
			for d, n := range s {
				if !red[d] {
					o = o*n + idx[d]
				}
			}
			groups[o] = append(groups[o], x[i])
			for d := len(s) - 1; d >= 0; d-- {
				if idx[d]++; idx[d] < s[d] {
					break
				}
				idx[d] = 0
			}
		}
		y := make([]float64, len(groups))
		for o, g := range groups {
			switch kind {
			case ReduceSum, ReduceMean:
				for _, v := range g {
					y[o] += v
				}
				if kind == ReduceMean {
					y[o] /= float64(len(g))
				}
			case ReduceMax:
				y[o] = math.Inf(-1)
				for _, v := range g {
					y[o] = math.Max(y[o], v)
				}
			case ReduceMin:
				y[o] = math.Inf(1)
				for _, v := range g {
					y[o] = math.Min(y[o], v)
				}
			case ReduceL1:
				for _, v := range g {
					y[o] += math.Abs(v)
				}
			case ReduceL2, ReduceSumSquare:
				for _, v := range g {
					y[o] += v * v
				}
				if kind == ReduceL2 {
					y[o] = math.Sqrt(y[o])
				}
			case ReduceLogSumExp:
				for _, v := range g {
					y[o] += math.Exp(v)
				}
				y[o] = math.Log(y[o])
			case ReduceProd:
				y[o] = 1
				for _, v := range g {
					y[o] *= v
				}
			}
		}
		return y
	}
}

func TestReduce(t *testing.T) {
	shape := []int{2, 3, 4, 5}
	for kind := ReduceSum; kind <= ReduceProd; kind++ {
		for _, axes := range [][]int{{3}, {2, 3}, {1}, {0, 2}, {1, 2, 3}, {0, 1, 2, 3}} {
			for _, keep := range []bool{true, false} {
				var input func(*rand.Rand, *Tensor)
				switch kind {
				case ReduceL1:
					input = awayFrom(0)
				case ReduceProd: // near ±1, so that products of 120 stay finite
					input = func(_ *rand.Rand, t *Tensor) {
						for i, v := range t.Data {
							t.Data[i] = 1 + 0.1*v
						}
					}
				}
				// Negative axes as exporters write them.
				neg := make([]int, len(axes))
				for i, a := range axes {
					neg[i] = a - len(shape)
				}
				runOpCase(t, opCase{name: fmt.Sprintf("%s%v/keep=%v", reduceNames[kind], axes, keep), in: shape, input: input,
					ref:   reduceRef(kind, shape, axes),
					build: func(x *Node) (*Node, error) { return Reduce(x, kind, neg, keep) }})
			}
		}
	}
	g := New()
	x, _ := g.Input("x", 2, 3, 4)
	for _, c := range []struct {
		axes []int
		keep bool
		want []int
	}{{[]int{1}, true, []int{2, 1, 4}}, {[]int{-1, 0}, false, []int{3}}, {nil, true, []int{1, 1, 1}}, {nil, false, nil}} {
		y, err := Reduce(x, ReduceMean, c.axes, c.keep)
		if err != nil || !slices.Equal(y.Shape(), c.want) {
			t.Errorf("axes %v keep %v: shape %v (%v), want %v", c.axes, c.keep, y.Shape(), err, c.want)
		}
	}
	if _, err := Reduce(x, ReduceMean, []int{3}, true); err == nil {
		t.Error("axis 3 of a rank-3 tensor was accepted")
	}
}

// TestReduceProdZeros: the product's gradient at a zero is the product of
// the others (prefix and suffix products), not a division by zero.
func TestReduceProdZeros(t *testing.T) {
	x := &Tensor{Shape: []int{1, 4}, Data: []float32{2, 0, 3, 5}}
	out := NewTensor(1)
	k := reduce{kind: ReduceProd, axes: []int{0, 1}}
	k.Forward([]*Tensor{x}, out)
	g := &Tensor{Shape: []int{1}, Data: []float32{1}}
	d := NewTensor(1, 4)
	k.Backward(0, []*Tensor{x}, out, g, d)
	if want := []float32{0, 30, 0, 0}; out.Data[0] != 0 || !slices.Equal(d.Data, want) {
		t.Errorf("prod %v, gradient %v, want 0 and %v", out.Data, d.Data, want)
	}
}
