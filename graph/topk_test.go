package graph

import (
	"math/rand"
	"slices"
	"sort"
	"testing"
)

// TestTopK: the k largest and smallest values along either axis, sorted,
// against sorting each lane; the gradient by finite differences.
func TestTopK(t *testing.T) {
	for _, c := range []struct {
		axis, k int
		largest bool
	}{{1, 2, true}, {0, 3, false}, {1, 5, true}} {
		ref := func(in []float64) []float64 {
			rows, cols := 4, 5
			lane := func(i int) []float64 {
				var v []float64
				if c.axis == 1 {
					v = append(v, in[i*cols:(i+1)*cols]...)
				} else {
					for r := 0; r < rows; r++ {
						v = append(v, in[r*cols+i])
					}
				}
				sort.Float64s(v)
				if c.largest {
					slices.Reverse(v)
				}
				return v[:c.k]
			}
			var out []float64
			if c.axis == 1 {
				for r := 0; r < rows; r++ {
					out = append(out, lane(r)...)
				}
				return out
			}
			cols2 := make([][]float64, cols)
			for j := range cols2 {
				cols2[j] = lane(j)
			}
			for r := 0; r < c.k; r++ {
				for j := 0; j < cols; j++ {
					out = append(out, cols2[j][r])
				}
			}
			return out
		}
		runOpCase(t, opCase{name: "TopK", in: []int{4, 5}, ref: ref, input: func(rng *rand.Rand, x *Tensor) {
			for i := range x.Data { // distinct values, so that no step swaps two
				x.Data[i] = float32(i*7%20) + float32(rng.Float64()*0.1)
			}
		}, build: func(x *Node) (*Node, error) { return TopK(x, c.axis, c.k, c.largest) }})
	}
}
