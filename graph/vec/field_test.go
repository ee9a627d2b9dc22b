package vec

import (
	"math"
	"math/rand"
	"slices"
	"testing"
)

// randRow is n normal values, with some exact zeros and repeats.
func randRow(rng *rand.Rand, n int) []float32 {
	r := make([]float32, n)
	for i := range r {
		switch rng.Intn(8) {
		case 0:
		case 1:
			r[i] = 1
		default:
			r[i] = float32(rng.NormFloat64())
		}
	}
	return r
}

// TestFieldPrimitives checks the image-wide primitives, vector body and
// tail, on every length up to 40 against their scalar definitions: the
// elementwise ones exactly (same operations in the same order), the sums to
// rounding.
func TestFieldPrimitives(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for n := 0; n <= 40; n++ {
		a, b, c, e := randRow(rng, n+2), randRow(rng, n), randRow(rng, n), randRow(rng, n)
		x0, mu0, g := randRow(rng, n), randRow(rng, n), randRow(rng, n)

		x, mu := append([]float32(nil), x0...), append([]float32(nil), mu0...)
		Momentum(x, mu, g, 0.9, 0.25)
		for i := range x {
			wm := 0.9*mu0[i] - 0.25*g[i]
			if mu[i] != wm || x[i] != x0[i]+wm {
				t.Fatalf("Momentum n=%d [%d] = %g,%g, want %g,%g", n, i, x[i], mu[i], x0[i]+wm, wm)
			}
		}

		x, mu = append([]float32(nil), x0...), append([]float32(nil), mu0...)
		acc := append([]float32(nil), c...)
		for i := range acc {
			acc[i] *= acc[i]
		}
		acc0 := append([]float32(nil), acc...)
		AdaGrad(x, mu, acc, g, 0.9, 0.8, 0.01)
		for i := range x {
			wa := 0.8*acc0[i] + g[i]*g[i]
			wm := 0.9*mu0[i] - g[i]/(0.01+float32(math.Sqrt(float64(wa))))
			if acc[i] != wa || mu[i] != wm || x[i] != x0[i]+wm {
				t.Fatalf("AdaGrad n=%d [%d] = %g,%g,%g, want %g,%g,%g", n, i, x[i], mu[i], acc[i], x0[i]+wm, wm, wa)
			}
		}

		want := 0.0
		for i := range b {
			v := float64(a[i]) - float64(b[i])
			want += v * v
		}
		if got := SumSqDiff(a[:n], b); math.Abs(float64(got)-want) > 1e-5*(1+want) {
			t.Fatalf("SumSqDiff n=%d = %g, want %g", n, got, want)
		}

		want = 0
		for _, v := range a {
			want += math.Pow(float64(v), 6)
		}
		if got := SumPow6(a); math.Abs(got-want) > 1e-12*(1+want) {
			t.Fatalf("SumPow6 n=%d = %g, want %g", n, got, want)
		}

		d := randRow(rng, n)
		ScaledPow5(d, b, 1.5)
		for i, v := range b {
			v2 := v * v
			if w := 1.5 * v2 * v2 * v; d[i] != w {
				t.Fatalf("ScaledPow5 n=%d [%d] = %g, want %g", n, i, d[i], w)
			}
		}

		ScaledDiff(d, b, c, 0.5)
		for i := range d {
			if w := (b[i] - c[i]) * 0.5; d[i] != w {
				t.Fatalf("ScaledDiff n=%d [%d] = %g, want %g", n, i, d[i], w)
			}
		}

		Blend(d, b, c, 0.75, -2)
		for i := range d {
			if w := b[i]*0.75 + c[i]*-2; d[i] != w {
				t.Fatalf("Blend n=%d [%d] = %g, want %g", n, i, d[i], w)
			}
		}

		Mul(d, b, c)
		for i := range d {
			if w := b[i] * c[i]; d[i] != w {
				t.Fatalf("Mul n=%d [%d] = %g, want %g", n, i, d[i], w)
			}
		}
		inPlace := append([]float32(nil), b...)
		Mul(inPlace, inPlace, c)
		if !slices.Equal(inPlace, d) {
			t.Fatalf("Mul in place n=%d: %v, want %v", n, inPlace, d)
		}

		d0 := append([]float32(nil), e...)
		copy(d, e)
		AddMul(d, b, c)
		for i := range d {
			if w := d0[i] + b[i]*c[i]; d[i] != w {
				t.Fatalf("AddMul n=%d [%d] = %g, want %g", n, i, d[i], w)
			}
		}

		MulSub(d, b, c, e, x0)
		for i := range d {
			if w := b[i]*c[i] - e[i]*x0[i]; d[i] != w {
				t.Fatalf("MulSub n=%d [%d] = %g, want %g", n, i, d[i], w)
			}
		}

		ScaledDiffs(d, b, c, e, x0, 0.5)
		for i := range d {
			if w := ((b[i] - c[i]) + (e[i] - x0[i])) * 0.5; d[i] != w {
				t.Fatalf("ScaledDiffs n=%d [%d] = %g, want %g", n, i, d[i], w)
			}
		}

		// Laplace on a row of n+2 between two others; its ends untouched.
		d = make([]float32, n+2)
		d[0], d[n+1] = 7, 7
		up, down := randRow(rng, n+2), randRow(rng, n+2)
		Laplace(d, a, up, down, 2)
		for j := range d {
			w := float32(7)
			if j > 0 && j < n+1 {
				w = 2 * (4*a[j] - a[j-1] - a[j+1] - up[j] - down[j])
			}
			if n+2 < 3 {
				w = 7
			}
			if d[j] != w {
				t.Fatalf("Laplace n=%d [%d] = %g, want %g", n+2, j, d[j], w)
			}
		}
	}
}
