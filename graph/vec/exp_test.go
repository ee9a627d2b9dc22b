package vec

import (
	"math"
	"testing"
)

// TestExp: the scalar and vector exponentials against float64, and the
// sums ExpShift returns, on lengths around the blocks of eight.
func TestExp(t *testing.T) {
	worst := 0.0
	for v := -86.0; v <= 86; v += 0.0137 {
		want := math.Exp(float64(float32(v)))
		worst = math.Max(worst, math.Abs(float64(Exp32(float32(v)))-want)/want)
	}
	if worst > 5e-7 {
		t.Errorf("Exp32 relative error %.2g", worst)
	}
	for _, vector := range []bool{true, false} {
		old := hasFMA
		hasFMA = hasFMA && vector
		for n := 0; n <= 41; n++ {
			src, dst := make([]float32, n), make([]float32, n)
			for i := range src {
				src[i] = float32(i%11) - 7
			}
			sum := ExpShift(dst, src, 2)
			want := 0.0
			for i, v := range src {
				e := math.Exp(float64(v) - 2)
				want += e
				if math.Abs(float64(dst[i])-e) > 5e-7*e {
					t.Fatalf("vector %v n=%d: e^(%g−2) = %g, want %g", vector, n, v, dst[i], e)
				}
			}
			if math.Abs(float64(sum)-want) > 1e-6*math.Max(want, 1) {
				t.Fatalf("vector %v n=%d: sum %g, want %g", vector, n, sum, want)
			}
		}
		hasFMA = old
	}
}
