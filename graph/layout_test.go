package graph

import (
	"math"
	"testing"
)

func TestLayoutOps(t *testing.T) {
	runOpCase(t, opCase{name: "Reshape", in: []int{2, 3, 4}, build: func(x *Node) (*Node, error) { return Reshape(x, []int{6, 4}) },
		ref: func(x []float64) []float64 { return append([]float64(nil), x...) }})
	runOpCase(t, opCase{name: "Transpose", in: []int{2, 3, 4}, build: func(x *Node) (*Node, error) { return Transpose(x, []int{2, 0, 1}) },
		ref: func(x []float64) []float64 {
			y := make([]float64, 24)
			for a := 0; a < 2; a++ {
				for b := 0; b < 3; b++ {
					for c := 0; c < 4; c++ {
						y[(c*2+a)*3+b] = x[(a*3+b)*4+c]
					}
				}
			}
			return y
		}})
	for axis := 0; axis < 3; axis++ {
		ax := axis
		runOpCase(t, opCase{name: "Concat", in: []int{2, 3, 2}, build: func(x *Node) (*Node, error) {
			sq, err := Mul(x, x)
			if err != nil {
				return nil, err
			}
			return Concat(ax, x, sq)
		}, ref: func(x []float64) []float64 {
			s := []int{2, 3, 2}
			outer, inner := Numel(s[:ax]), Numel(s[ax:])
			var y []float64
			for b := 0; b < outer; b++ {
				y = append(y, x[b*inner:(b+1)*inner]...)
				for _, v := range x[b*inner : (b+1)*inner] {
					y = append(y, v*v)
				}
			}
			return y
		}})
	}
	runOpCase(t, opCase{name: "Pad", in: []int{1, 2, 2, 3}, build: func(x *Node) (*Node, error) {
		return Pad(x, []int{0, 0, 1, 2}, []int{0, 1, 0, -1}, 0.5)
	}, ref: func(x []float64) []float64 {
		y := make([]float64, 1*3*3*4)
		for c := 0; c < 3; c++ {
			for i := 0; i < 3; i++ {
				for j := 0; j < 4; j++ {
					si, sj := i-1, j-2
					v := 0.5
					if c < 2 && si >= 0 && si < 2 && sj >= 0 && sj < 2 {
						v = x[(c*2+si)*3+sj]
					}
					y[(c*3+i)*4+j] = v
				}
			}
		}
		return y
	}})
	runOpCase(t, opCase{name: "PadEdge", in: []int{1, 1, 2, 3}, build: func(x *Node) (*Node, error) {
		return PadEdge(x, []int{0, 0, 2, 1}, []int{0, 0, 1, 2})
	}, ref: func(x []float64) []float64 {
		var y []float64
		for i := 0; i < 5; i++ {
			for j := 0; j < 6; j++ {
				y = append(y, x[min(max(i-2, 0), 1)*3+min(max(j-1, 0), 2)])
			}
		}
		return y
	}})
	// Softmax along every axis of a 4-D tensor: axis 2 is where tensor's
	// Sum/Max reductions go wrong, so a reduction along it is checked too.
	shape := []int{2, 3, 4, 2}
	for axis := 0; axis < 4; axis++ {
		ax := axis
		runOpCase(t, opCase{name: "Softmax", in: shape, build: func(x *Node) (*Node, error) { return Softmax(x, ax) },
			ref: func(x []float64) []float64 {
				y := make([]float64, len(x))
				outer, n, inner := Numel(shape[:ax]), shape[ax], Numel(shape[ax+1:])
				for o := 0; o < outer; o++ {
					for i := 0; i < inner; i++ {
						s := 0.0
						for j := 0; j < n; j++ {
							s += math.Exp(x[(o*n+j)*inner+i])
						}
						for j := 0; j < n; j++ {
							y[(o*n+j)*inner+i] = math.Exp(x[(o*n+j)*inner+i]) / s
						}
					}
				}
				return y
			}})
	}
}
