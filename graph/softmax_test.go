package graph

import (
	"fmt"
	"math"
	"testing"
)

func softmaxRef(shape []int, axis int, log bool) func([]float64) []float64 {
	return func(x []float64) []float64 {
		outer, n, inner := Numel(shape[:axis]), shape[axis], Numel(shape[axis+1:])
		y := make([]float64, len(x))
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				sum := 0.0
				for j := 0; j < n; j++ {
					sum += math.Exp(x[(o*n+j)*inner+i])
				}
				for j := 0; j < n; j++ {
					at := (o*n+j)*inner + i
					if log {
						y[at] = x[at] - math.Log(sum)
					} else {
						y[at] = math.Exp(x[at]) / sum
					}
				}
			}
		}
		return y
	}
}

func TestSoftmax(t *testing.T) {
	shape := []int{2, 3, 4, 5}
	for _, axis := range []int{0, 1, 3, -1} {
		for _, log := range []bool{false, true} {
			a := axis
			if a < 0 {
				a += len(shape)
			}
			f := Softmax
			if log {
				f = LogSoftmax
			}
			runOpCase(t, opCase{name: fmt.Sprintf("axis%d/log=%v", axis, log), in: shape, ref: softmaxRef(shape, a, log),
				build: func(x *Node) (*Node, error) { return f(x, axis) }})
		}
	}
}
