package invert

import (
	"math"
	"testing"
)

// TestNormalizedErrors against a hand computation: codes (1,0), (0,1) and
// (1) padded to (1,0). Pairwise squared distances: d(a,b)=2, d(a,c)=0,
// d(b,c)=2, each counted twice over ordered pairs: N_Φ = 8/9.
func TestNormalizedErrors(t *testing.T) {
	r, err := NormalizedErrors([]float64{0.1, 0.2, 0.3}, [][]float64{{1, 0}, {0, 1}, {1}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.NPhi-8.0/9) > 1e-15 {
		t.Fatalf("N_Φ = %g, want 8/9", r.NPhi)
	}
	want := []float64{100 * 0.1 * 9 / 8, 100 * 0.2 * 9 / 8, 100 * 0.3 * 9 / 8}
	for i := range want {
		if math.Abs(r.Errors[i]-want[i]) > 1e-12 {
			t.Errorf("error %d = %g, want %g", i, r.Errors[i], want[i])
		}
	}
	if math.Abs(r.Mean-22.5) > 1e-12 || math.Abs(r.Std-11.25) > 1e-12 {
		t.Errorf("mean %g ± %g, want 22.5 ± 11.25", r.Mean, r.Std)
	}
	if _, err := NormalizedErrors([]float64{1, 1}, [][]float64{{2, 3}, {2, 3}}); err == nil {
		t.Error("identical codes accepted")
	}
	if _, err := NormalizedErrors([]float64{1}, [][]float64{{2, 3}}); err == nil {
		t.Error("one image accepted")
	}
}
