package vec

import (
	"math"
	"math/rand"
	"testing"
)

// TestRowOps checks the row primitives, vector body and scalar tail, on
// every length up to 40 against their definitions.
func TestRowOps(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.Intn(5)) // small integers: plenty of ties
		}
		return v
	}
	for n := 0; n <= 40; n++ {
		dst, src := rnd(n), rnd(n)
		want := append([]float32(nil), dst...)
		for i := range want {
			want[i] = max(want[i], src[i])
		}
		Max(dst, src)
		for i := range want {
			if dst[i] != want[i] {
				t.Fatalf("Max n=%d: [%d] = %g, want %g", n, i, dst[i], want[i])
			}
		}

		src2 := rnd(2*n + 1)
		e, o := make([]float32, n), make([]float32, n)
		Deinterleave(e, o, src2)
		for i := 0; i < n; i++ {
			if e[i] != src2[2*i] || o[i] != src2[2*i+1] {
				t.Fatalf("Deinterleave n=%d: [%d] = %g,%g, want %g,%g", n, i, e[i], o[i], src2[2*i], src2[2*i+1])
			}
		}
		acc := rnd(2*n + 1)
		want2 := append([]float32(nil), acc...)
		for i := 0; i < n; i++ {
			want2[2*i] += e[i]
			want2[2*i+1] += o[i]
		}
		InterleaveAdd(acc, e, o)
		for i := range acc {
			if acc[i] != want2[i] {
				t.Fatalf("InterleaveAdd n=%d: [%d] = %g, want %g", n, i, acc[i], want2[i])
			}
		}

		// Three taps of n windows: each window's g goes to its first match.
		m, g := rnd(n), rnd(n)
		taps := [][]float32{rnd(n), rnd(n), rnd(n)}
		out := [][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
		found := make([]uint32, n)
		for k := range taps {
			FirstMatch(out[k], taps[k], m, g, found)
		}
		for i := 0; i < n; i++ {
			hit := -1
			for k := range taps {
				if taps[k][i] == m[i] {
					hit = k
					break
				}
			}
			for k := range taps {
				w := float32(0)
				if k == hit {
					w = g[i]
				}
				if out[k][i] != w {
					t.Fatalf("FirstMatch n=%d window %d tap %d: %g, want %g", n, i, k, out[k][i], w)
				}
			}
		}
	}

}

// TestDotAxpy checks Dot and Axpy, vector body and tail, on every length up
// to 100 against float64 sums.
func TestDotAxpy(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for n := 0; n <= 100; n++ {
		a, b := make([]float32, n), make([]float32, n)
		want := 0.0
		for i := range a {
			a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			want += float64(a[i]) * float64(b[i])
		}
		if got := Dot(a, b); math.Abs(float64(got)-want) > 1e-5*(1+math.Abs(want)) {
			t.Fatalf("Dot n=%d = %g, want %g", n, got, want)
		}
		y := append([]float32(nil), b...)
		Axpy(y, a, 0.75)
		for i := range y {
			if w := b[i] + 0.75*a[i]; math.Abs(float64(y[i]-w)) > 1e-6*(1+math.Abs(float64(w))) {
				t.Fatalf("Axpy n=%d [%d] = %g, want %g", n, i, y[i], w)
			}
		}
	}
}
