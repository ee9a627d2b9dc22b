package graph

import "testing"

// padRef pads (or crops) x of shape s in float64, element by element.
func padRef(s, begin, end []int, value float64, edge bool) func([]float64) []float64 {
	return func(x []float64) []float64 {
		out := make([]int, len(s))
		for d := range s {
			out[d] = s[d] + begin[d] + end[d]
		}
		y := make([]float64, Numel(out))
		eachIndex(out, func(o int, at []int) {
			off, inside := 0, true
			for d, a := range at {
				j := a - begin[d]
				if edge {
					j = min(max(j, 0), s[d]-1)
				}
				if j < 0 || j >= s[d] {
					inside = false
					break
				}
				off = off*s[d] + j
			}
			y[o] = value
			if inside {
				y[o] = x[off]
			}
		})
		return y
	}
}

func TestPad(t *testing.T) {
	s := []int{2, 3, 4, 5}
	for _, c := range []struct{ begin, end []int }{
		{[]int{0, 0, 1, 2}, []int{0, 0, 2, 1}},    // spatial padding
		{[]int{0, 1, 0, -1}, []int{1, -1, 0, -2}}, // pads and crops on every axis
		{[]int{0, 0, 0, -5}, []int{0, 0, 0, 3}},   // rows wholly in the padding
		{[]int{0, -1, 0, 0}, []int{0, -1, 0, 0}},  // a Slice
	} {
		runOpCase(t, opCase{name: "Pad", in: s, ref: padRef(s, c.begin, c.end, 0.5, false),
			build: func(x *Node) (*Node, error) { return Pad(x, c.begin, c.end, 0.5) }})
	}
	runOpCase(t, opCase{name: "PadEdge", in: s, ref: padRef(s, []int{0, 1, 2, 3}, []int{0, 2, 1, 2}, 0, true),
		build: func(x *Node) (*Node, error) { return PadEdge(x, []int{0, 1, 2, 3}, []int{0, 2, 1, 2}) }})
}
