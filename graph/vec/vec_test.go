package vec

import (
	"math"
	"math/rand"
	"slices"
	"testing"
)

// TestDeinterleave checks Deinterleave, vector body and overlapping tail,
// on every length up to 40.
func TestDeinterleave(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for n := 0; n <= 40; n++ {
		src := make([]float32, 2*n+1)
		for i := range src {
			src[i] = float32(rng.Intn(100))
		}
		e, o := make([]float32, n), make([]float32, n)
		Deinterleave(e, o, src)
		for i := 0; i < n; i++ {
			if e[i] != src[2*i] || o[i] != src[2*i+1] {
				t.Fatalf("n=%d: [%d] = %g,%g, want %g,%g", n, i, e[i], o[i], src[2*i], src[2*i+1])
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
		// Axpy on each form the CPU has, past-the-end sentinels untouched
		// by the masked tail.
		for _, wide := range []bool{has512, false} {
			old := has512
			has512 = wide
			y := append(append(make([]float32, 0, n+16), b...), 7, 7, 7)
			Axpy(y[:n], a, 0.75)
			has512 = old
			for i := range b {
				if w := b[i] + 0.75*a[i]; math.Abs(float64(y[i]-w)) > 1e-6*(1+math.Abs(float64(w))) {
					t.Fatalf("Axpy (AVX-512 %v) n=%d [%d] = %g, want %g", wide, n, i, y[i], w)
				}
			}
			if !slices.Equal(y[n:], []float32{7, 7, 7}) {
				t.Fatalf("Axpy (AVX-512 %v) n=%d wrote past the end: %v", wide, n, y[n:])
			}
		}
		// ScaleAdd: a product alone and a sum alone exactly, in place too,
		// on each form the CPU has.
		for k, ac := range [][2]float32{{0.3, 0}, {1, -1.7}, {-2.5, 0.25}, {0.3, 0}, {1, -1.7}, {-2.5, 0.25}} {
			old := has512
			has512 = has512 && k < 3
			z := make([]float32, n)
			ScaleAdd(z, a, ac[0], ac[1])
			for i := range z {
				w := float32(float64(ac[0])*float64(a[i]) + float64(ac[1]))
				switch {
				case ac[1] == 0:
					w = ac[0] * a[i]
				case ac[0] == 1:
					w = a[i] + ac[1]
				}
				if z[i] != w && math.Abs(float64(z[i]-w)) > 1e-6*(1+math.Abs(float64(w))) || (ac[1] == 0 || ac[0] == 1) && z[i] != w {
					t.Fatalf("ScaleAdd(%g, %g) n=%d [%d] = %g, want %g", ac[0], ac[1], n, i, z[i], w)
				}
			}
			inPlace := append([]float32(nil), a...)
			ScaleAdd(inPlace, inPlace, ac[0], ac[1])
			if !slices.Equal(inPlace, z) {
				t.Fatalf("ScaleAdd in place n=%d differs", n)
			}
			has512 = old
		}
	}
}

// TestArgmaxTap folds three taps of small integers (many ties) into window
// maxima and checks each window's first maximum and its index.
func TestArgmaxTap(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for n := 0; n <= 40; n++ {
		best, idx := make([]float32, n), make([]int32, n)
		for i := range best {
			best[i], idx[i] = float32(math.Inf(-1)), -1
		}
		taps := make([][]float32, 3)
		for k := range taps {
			taps[k] = make([]float32, n)
			for i := range taps[k] {
				taps[k][i] = float32(rng.Intn(4))
			}
			ArgmaxTap(best, idx, taps[k], int32(100*k+5), 3)
		}
		for i := 0; i < n; i++ {
			wk := 0
			for k := 1; k < 3; k++ {
				if taps[k][i] > taps[wk][i] {
					wk = k
				}
			}
			if best[i] != taps[wk][i] || idx[i] != int32(100*wk+5+3*i) {
				t.Fatalf("n=%d window %d: max %g at %d, want %g at %d", n, i, best[i], idx[i], taps[wk][i], 100*wk+5+3*i)
			}
		}
	}
}

// TestAxpyStrided checks AxpyFrom and AxpyTo, vector and scalar, on every
// length up to 40 and strides 1 to 4, against the plain loops, with the
// elements between the strided ones untouched.
func TestAxpyStrided(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	for _, wide := range []bool{has512, false} {
		old := has512
		has512 = wide
		for stride := 1; stride <= 4; stride++ {
			for n := 0; n <= 40; n++ {
				long := make([]float32, max(0, (n-1)*stride+1)+3)
				short := make([]float32, n)
				for i := range long {
					long[i] = float32(rng.Intn(9))
				}
				for i := range short {
					short[i] = float32(rng.Intn(9))
				}
				y, want := slices.Clone(short), slices.Clone(short)
				AxpyFrom(y, long, 0.5, stride)
				for i := range want {
					want[i] += 0.5 * long[i*stride]
				}
				if !slices.Equal(y, want) {
					t.Fatalf("AxpyFrom (AVX-512 %v) stride %d n=%d: %v, want %v", wide, stride, n, y, want)
				}
				z, wantZ := slices.Clone(long), slices.Clone(long)
				AxpyTo(z, short, -1.5, stride)
				for i, v := range short {
					wantZ[i*stride] += -1.5 * v
				}
				if !slices.Equal(z, wantZ) {
					t.Fatalf("AxpyTo (AVX-512 %v) stride %d n=%d: %v, want %v", wide, stride, n, z, wantZ)
				}
			}
		}
		has512 = old
	}
}
