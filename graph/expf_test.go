package graph

import (
	"math"
	"testing"

	"github.com/invrep/invrep/graph/vec"
)

// TestFastErf: erf's and the exponential's float32 forms against float64.
func TestFastErf(t *testing.T) {
	worstErf, worstExp := 0.0, 0.0
	for v := -9.0; v <= 9; v += 0.00137 {
		var e [1]float32
		vec.Erf(e[:], []float32{float32(v)})
		worstErf = math.Max(worstErf, math.Abs(float64(e[0])-math.Erf(v)))
		a := float32(v * 9.6) // the exponential on [−86, 86]
		want := math.Exp(float64(a))
		worstExp = math.Max(worstExp, math.Abs(float64(expf(a))-want)/want)
	}
	if worstErf > 5e-7 || worstExp > 5e-7 {
		t.Fatalf("erf error %.2g, exp relative error %.2g", worstErf, worstExp)
	}
}
