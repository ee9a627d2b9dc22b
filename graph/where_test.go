package graph

import "testing"

func TestWhere(t *testing.T) {
	cond := []bool{true, false, false, true}
	other := &Tensor{Shape: []int{3, 1, 1}, Data: []float32{10, 20, 30}}
	pick := func(swap bool) func([]float64) []float64 {
		return func(x []float64) []float64 {
			var y []float64
			for a := 0; a < 3; a++ {
				for b := 0; b < 2; b++ {
					for c := 0; c < 2; c++ {
						xv, ov := x[b*2+c], float64(other.Data[a])
						if swap {
							xv, ov = ov, xv
						}
						if cond[b*2+c] {
							y = append(y, xv)
						} else {
							y = append(y, ov)
						}
					}
				}
			}
			return y
		}
	}
	runOpCase(t, opCase{name: "Where/x-live", in: []int{2, 2}, ref: pick(false),
		build: func(x *Node) (*Node, error) { return Where(cond, []int{2, 2}, x, x.graph.Const(other)) }})
	runOpCase(t, opCase{name: "Where/y-live", in: []int{2, 2}, ref: pick(true),
		build: func(x *Node) (*Node, error) { return Where(cond, []int{2, 2}, x.graph.Const(other), x) }})
}
