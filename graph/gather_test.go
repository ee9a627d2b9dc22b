package graph

import (
	"testing"
)

// at64 reads x (row-major, shape s) at a multi-index.
func at64(x []float64, s []int, at ...int) float64 {
	off := 0
	for d, i := range at {
		off = off*s[d] + i
	}
	return x[off]
}

func TestGatherFamily(t *testing.T) {
	s := []int{2, 5, 6}
	runOpCase(t, opCase{name: "StridedSlice", in: s,
		build: func(x *Node) (*Node, error) { return StridedSlice(x, []int{1, 4, 0}, []int{1, -2, 3}, []int{1, 3, 2}) },
		ref: func(x []float64) []float64 {
			var y []float64
			for j := 0; j < 3; j++ {
				for k := 0; k < 2; k++ {
					y = append(y, at64(x, s, 1, 4-2*j, 3*k))
				}
			}
			return y
		}})
	runOpCase(t, opCase{name: "Take/scalar", in: s,
		build: func(x *Node) (*Node, error) { return Take(x, 1, []int{-1}, nil) },
		ref: func(x []float64) []float64 {
			var y []float64
			for i := 0; i < 2; i++ {
				for k := 0; k < 6; k++ {
					y = append(y, at64(x, s, i, 4, k))
				}
			}
			return y
		}})
	runOpCase(t, opCase{name: "Take/repeated-2d", in: s,
		build: func(x *Node) (*Node, error) { return Take(x, 2, []int{0, 5, 0, 2}, []int{2, 2}) },
		ref: func(x []float64) []float64 {
			var y []float64
			for i := 0; i < 2; i++ {
				for j := 0; j < 5; j++ {
					for _, k := range []int{0, 5, 0, 2} {
						y = append(y, at64(x, s, i, j, k))
					}
				}
			}
			return y
		}})
	runOpCase(t, opCase{name: "Broadcast", in: []int{3, 1}, build: func(x *Node) (*Node, error) { return Broadcast(x, []int{2, 1, 4}) },
		ref: func(x []float64) []float64 {
			var y []float64
			for b := 0; b < 2; b++ {
				for i := 0; i < 3; i++ {
					for j := 0; j < 4; j++ {
						y = append(y, x[i])
					}
				}
			}
			return y
		}})
	runOpCase(t, opCase{name: "Tile", in: []int{2, 3}, build: func(x *Node) (*Node, error) { return Tile(x, []int{2, 2}) },
		ref: func(x []float64) []float64 {
			var y []float64
			for i := 0; i < 4; i++ {
				for j := 0; j < 6; j++ {
					y = append(y, x[(i%2)*3+j%3])
				}
			}
			return y
		}})
	w := []float32{0.25, 0.75, 1, -2, 0.5, 0.5}
	runOpCase(t, opCase{name: "LinearMap", in: []int{4}, build: func(x *Node) (*Node, error) {
		return LinearMap(x, "lerp", []int{3}, 2, []int32{0, 1, 3, 3, 2, 1}, w)
	}, ref: func(x []float64) []float64 {
		return []float64{0.25*x[0] + 0.75*x[1], x[3] - 2*x[3], 0.5*x[2] + 0.5*x[1]}
	}})
	g := New()
	x, _ := g.Input("x", 2, 3)
	if _, err := StridedSlice(x, []int{0, 3}, []int{1, 1}, []int{1, 1}); err == nil {
		t.Error("a slice past the end was accepted")
	}
	if _, err := Take(x, 1, []int{3}, nil); err == nil {
		t.Error("an index past the end was accepted")
	}
	if _, err := Broadcast(x, []int{4, 3}); err == nil {
		t.Error("a broadcast of 2 to 4 was accepted")
	}
}
