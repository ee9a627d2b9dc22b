package graph

import (
	"math"
	"testing"
)

func TestLRN(t *testing.T) {
	for _, c := range []struct {
		name string
		p    LRNParams
	}{
		{"caffenet", LRNParams{Size: 5, Alpha: 1e-4, Beta: 0.75, Bias: 1}},
		{"even-size", LRNParams{Size: 4, Alpha: 0.5, Beta: 0.6, Bias: 2}},
		{"large-alpha", LRNParams{Size: 3, Alpha: 2, Beta: 0.75, Bias: 1}},
		// Windows over every channel (the sums taken once per image):
		// DSIFT's L2 normalisation, and an odd β.
		{"dsift-whole", LRNParams{Size: 257, Alpha: 257, Beta: 0.5, Bias: 1e-6}},
		{"whole", LRNParams{Size: 11, Alpha: 0.3, Beta: 0.75, Bias: 1}},
	} {
		shape := []int{2, 6, 3, 7} // planes of 21: vector blocks and a tail
		p := c.p
		runOpCase(t, opCase{name: "LRN/" + c.name, in: shape,
			build: func(x *Node) (*Node, error) { return LRN(x, p) },
			ref: func(x []float64) []float64 {
				n, ch, sp := shape[0], shape[1], shape[2]*shape[3]
				lo, hi := (p.Size-1)/2, (p.Size-1)-(p.Size-1)/2
				out := make([]float64, len(x))
				for b := 0; b < n; b++ {
					for c := 0; c < ch; c++ {
						for i := 0; i < sp; i++ {
							s := 0.0
							for j := max(c-lo, 0); j <= min(c+hi, ch-1); j++ {
								v := x[(b*ch+j)*sp+i]
								s += v * v
							}
							o := (b*ch+c)*sp + i
							out[o] = x[o] / math.Pow(p.Bias+p.Alpha/float64(p.Size)*s, p.Beta)
						}
					}
				}
				return out
			}})
	}
}
