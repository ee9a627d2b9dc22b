package graph

import "testing"

func BenchmarkTmpDense(b *testing.B) {
	p := ConvParams{Pads: [4]int{1, 1, 1, 1}}
	for _, hw := range []int{56, 28, 14} {
		b.Run("fwd", func(b *testing.B) { convBench(b, []int{1, 128, hw, hw}, []int{32, 128, 3, 3}, p, false) })
		b.Run("grad", func(b *testing.B) { convBench(b, []int{1, 128, hw, hw}, []int{32, 128, 3, 3}, p, true) })
	}
}
