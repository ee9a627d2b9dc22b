package vec

import (
	"math/rand"
	"testing"
)

// TestWinoInput6 checks the vector transform against the scalar one and
// one tile against Bᵀ d B written out, and that lanes 6 and 7 and the
// slots between panels are left alone.
func TestWinoInput6(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	const wp, groups, vs, step = 11, 3, 200, 60
	plane := randRow(rng, wp*9)
	offs := make([]int32, 8*groups)
	for i := range offs {
		offs[i] = int32(rng.Intn(5)*wp + rng.Intn(7))
	}
	run := func(avx, spill bool) []float32 {
		old := hasAVX2
		defer func() { hasAVX2 = old }()
		hasAVX2 = hasAVX2 && avx
		v := make([]float32, 16*vs)
		for i := range v {
			v[i] = -99
		}
		WinoInput6(plane, offs, wp, v, vs, step, spill)
		return v
	}
	want, got, wide := run(false, false), run(true, false), run(true, true)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("v[%d] = %g, scalar %g", i, got[i], want[i])
		}
		if r := i % vs % step; r < 6 && i%vs < groups*step && wide[i] != want[i] {
			t.Fatalf("spilling: v[%d] = %g, scalar %g", i, wide[i], want[i])
		}
	}
	// Group 1, tile 4, by the definition.
	o := int(offs[8+4])
	bt := [4][4]float32{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	for r := 0; r < 4; r++ {
		for c := 0; c < 4; c++ {
			s := 0.0
			for i := 0; i < 4; i++ {
				for j := 0; j < 4; j++ {
					s += float64(bt[r][i] * plane[o+i*wp+j] * bt[c][j])
				}
			}
			if g := want[(4*r+c)*vs+step+4]; float64(g)-s > 1e-5 || s-float64(g) > 1e-5 {
				t.Fatalf("V[%d][%d] = %g, want %g", r, c, g, s)
			}
		}
	}
	for xi := 0; xi < 16; xi++ {
		for i := 0; i < groups; i++ {
			for r := 6; r < step; r++ {
				if at := xi*vs + i*step + r; at < len(got) && got[at] != -99 {
					t.Fatalf("v[%d] (ξ %d, group %d, slot %d) written", at, xi, i, r)
				}
			}
		}
	}
}
