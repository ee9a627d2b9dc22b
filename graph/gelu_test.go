package graph

import (
	"math"
	"testing"
)

// TestFastErf: the float32 forms against float64 over the range that
// matters, and the exponential's relative error.
func TestFastErf(t *testing.T) {
	worstErf, worstExp := 0.0, 0.0
	for v := -9.0; v <= 9; v += 0.00137 {
		e, _ := erfAndGauss(float32(v))
		worstErf = math.Max(worstErf, math.Abs(float64(e)-math.Erf(v)))
		a := float32(v * 9.6) // the exponential on [−86, 86]
		want := math.Exp(float64(a))
		worstExp = math.Max(worstExp, math.Abs(float64(expf(a))-want)/want)
	}
	if worstErf > 5e-7 || worstExp > 5e-7 {
		t.Fatalf("erf error %.2g, exp relative error %.2g", worstErf, worstExp)
	}
}
