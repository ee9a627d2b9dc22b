package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestNormKernels: the vector kernels against float64 on lengths around
// their blocks.
func TestNormKernels(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for n := 1; n <= 70; n++ {
		x, g, b, y, d := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(5 + rng.NormFloat64())
			g[i], b[i], d[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		d0 := append([]float32(nil), d...)
		s, q := SumSq(x, x[0])
		ws, wq := 0.0, 0.0
		for _, v := range x {
			ws += float64(v - x[0])
			wq += float64(v-x[0]) * float64(v-x[0])
		}
		if math.Abs(float64(s)-ws) > 1e-5*(1+math.Abs(ws)) || math.Abs(float64(q)-wq) > 1e-5*(1+wq) {
			t.Fatalf("n=%d: SumSq %g, %g; want %g, %g", n, s, q, ws, wq)
		}
		wdot := 0.0
		for i := range x {
			wdot += float64(d[i]) * float64(x[i]-x[0])
		}
		if got := DotShift(d, x, x[0]); math.Abs(float64(got)-wdot) > 1e-5*(1+math.Abs(wdot)) {
			t.Fatalf("n=%d: DotShift %g, want %g", n, got, wdot)
		}
		m, inv := float32(5.1), float32(0.9)
		NormAffine(y, x, g, b, m, inv)
		a, c := float32(0.3), float32(-0.2)
		NormGrad(d, x, a, c, m, inv)
		for i := range x {
			wy := (float64(x[i])-float64(m))*float64(inv)*float64(g[i]) + float64(b[i])
			wd := float64(inv) * (float64(d0[i]) - float64(a) - (float64(x[i])-float64(m))*float64(c))
			if math.Abs(float64(y[i])-wy) > 1e-5 || math.Abs(float64(d[i])-wd) > 1e-5 {
				t.Fatalf("n=%d [%d]: NormAffine %g (want %g), NormGrad %g (want %g)", n, i, y[i], wy, d[i], wd)
			}
		}
	}
}
