package vec

import (
	"math"
	"testing"
)

// TestGelu: vector and scalar forms against float64 over the range that
// matters, on lengths that exercise the overlapping last block.
func TestGelu(t *testing.T) {
	for _, vector := range []bool{true, false} {
		if !vector {
			old := hasFMA
			hasFMA = false
			defer func() { hasFMA = old }()
		}
		n := 13111
		x, y, d, g := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(-12 + 24*float64(i)/float64(n-1))
			g[i] = 1 + float32(i%3)
		}
		Gelu(y, x)
		GeluGrad(d, x, g)
		worst, worstGrad := 0.0, 0.0
		for i, v := range x {
			xv := float64(v)
			want := 0.5 * xv * math.Erfc(-xv/math.Sqrt2)
			wantGrad := float64(g[i]) * (0.5*math.Erfc(-xv/math.Sqrt2) + xv*math.Exp(-xv*xv/2)/math.Sqrt(2*math.Pi))
			scale := math.Max(1, math.Abs(xv))
			worst = math.Max(worst, math.Abs(float64(y[i])-want)/scale)
			worstGrad = math.Max(worstGrad, math.Abs(float64(d[i])-wantGrad)/(scale*float64(g[i])))
		}
		if worst > 5e-7 || worstGrad > 1e-6 {
			t.Errorf("vector %v: GELU error %.2g, gradient error %.2g", vector, worst, worstGrad)
		}
	}
}

// TestErf: the float32 erf against float64.
func TestErf(t *testing.T) {
	n := 13139
	x, y := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(-9 + 18*float64(i)/float64(n-1))
	}
	Erf(y, x)
	worst := 0.0
	for i, v := range x {
		worst = math.Max(worst, math.Abs(float64(y[i])-math.Erf(float64(v))))
	}
	if worst > 5e-7 {
		t.Fatalf("erf error %.2g", worst)
	}
}
