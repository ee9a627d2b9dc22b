package graph

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
		vmax(dst, src)
		for i := range want {
			if dst[i] != want[i] {
				t.Fatalf("vmax n=%d: [%d] = %g, want %g", n, i, dst[i], want[i])
			}
		}

		src2 := rnd(2*n + 1)
		e, o := make([]float32, n), make([]float32, n)
		deinterleave(e, o, src2)
		for i := 0; i < n; i++ {
			if e[i] != src2[2*i] || o[i] != src2[2*i+1] {
				t.Fatalf("deinterleave n=%d: [%d] = %g,%g, want %g,%g", n, i, e[i], o[i], src2[2*i], src2[2*i+1])
			}
		}
		acc := rnd(2*n + 1)
		want2 := append([]float32(nil), acc...)
		for i := 0; i < n; i++ {
			want2[2*i] += e[i]
			want2[2*i+1] += o[i]
		}
		interleaveAdd(acc, e, o)
		for i := range acc {
			if acc[i] != want2[i] {
				t.Fatalf("interleaveAdd n=%d: [%d] = %g, want %g", n, i, acc[i], want2[i])
			}
		}

		// Three taps of n windows: each window's g goes to its first match.
		m, g := rnd(n), rnd(n)
		taps := [][]float32{rnd(n), rnd(n), rnd(n)}
		out := [][]float32{make([]float32, n), make([]float32, n), make([]float32, n)}
		found := make([]uint32, n)
		for k := range taps {
			firstMatch(out[k], taps[k], m, g, found)
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
					t.Fatalf("firstMatch n=%d window %d tap %d: %g, want %g", n, i, k, out[k][i], w)
				}
			}
		}
	}

}

// TestReluRows checks Relu forward and backward, vector body and tail, on
// every length up to 40, with negative zeros among the values.
func TestReluRows(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	u := unary{kind: kindRelu}
	for n := 0; n <= 40; n++ {
		x, g := NewTensor(n), NewTensor(n)
		for i := range x.Data {
			x.Data[i] = float32(rng.Intn(5) - 2)
			if i%7 == 3 {
				x.Data[i] = float32(math.Copysign(0, -1))
			}
			g.Data[i] = float32(rng.NormFloat64())
		}
		y, d := NewTensor(n), NewTensor(n)
		u.Forward([]*Tensor{x}, y)
		u.Backward(0, []*Tensor{x}, y, g, d)
		for i, v := range x.Data {
			want, dwant := float32(0), float32(0)
			if v > 0 {
				want, dwant = v, g.Data[i]
			}
			if math.Float32bits(y.Data[i]) != math.Float32bits(want) || d.Data[i] != dwant {
				t.Fatalf("n=%d [%d]: relu(%g) = %g (bits %x), gradient %g; want %g, %g", n, i, v, y.Data[i], math.Float32bits(y.Data[i]), d.Data[i], want, dwant)
			}
		}
	}
}
