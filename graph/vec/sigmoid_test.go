package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestSigmoid: the vector body and its tail against 1/(1 + e^{−x}) in
// float64, on every length up to 40 and at the extremes.
func TestSigmoid(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for n := 0; n <= 40; n++ {
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(rng.NormFloat64() * 6)
		}
		if n > 3 {
			src[0], src[1], src[2] = -100, 100, float32(math.Copysign(0, -1))
		}
		dst := make([]float32, n)
		Sigmoid(dst, src)
		for i, x := range src {
			want := 1 / (1 + math.Exp(-float64(x)))
			if d := math.Abs(float64(dst[i]) - want); d > 4e-7*want+1e-30 {
				t.Fatalf("n=%d: sigmoid(%g) = %g, want %g", n, x, dst[i], want)
			}
			if v := dst[i]; v != 0 && math.Abs(float64(v)) < 0x1p-126 {
				t.Fatalf("n=%d: sigmoid(%g) = %g is denormal", n, x, v)
			}
		}
		if n > 3 && (dst[0] != 0 || dst[1] != 1) {
			t.Fatalf("n=%d: the tails are %g and %g, want 0 and 1", n, dst[0], dst[1])
		}
	}
}

// TestSiLU: SiLU and its gradient, vector body and tail, against float64.
func TestSiLU(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for n := 0; n <= 40; n++ {
		x, g := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], g[i] = float32(rng.NormFloat64()*6), float32(rng.NormFloat64())
		}
		if n > 3 {
			x[0], x[1] = -100, 100
		}
		y, d := make([]float32, n), make([]float32, n)
		SiLU(y, x)
		SiLUGrad(d, x, g)
		for i, v := range x {
			s := 1 / (1 + math.Exp(-float64(v)))
			wantY := float64(v) * s
			wantD := float64(g[i]) * s * (1 + float64(v)*(1-s))
			if math.Abs(float64(y[i])-wantY) > 1e-6*(1+math.Abs(wantY)) {
				t.Fatalf("n=%d: silu(%g) = %g, want %g", n, v, y[i], wantY)
			}
			if math.Abs(float64(d[i])-wantD) > 1e-6*(1+math.Abs(wantD)) {
				t.Fatalf("n=%d: silu'(%g)·%g = %g, want %g", n, v, g[i], d[i], wantD)
			}
		}
	}
}
