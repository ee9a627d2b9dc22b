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

// TestWinoRows checks WinoInputRow and WinoOutputRow, vector blocks and
// scalar rest, against their scalar forms on rows of tiles that end inside
// and past a block of eight, and outputs cut short by the rows' ends.
func TestWinoRows(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	withAVX := func(avx bool, f func()) {
		old := hasAVX2
		defer func() { hasAVX2 = old }()
		hasAVX2 = hasAVX2 && avx
		f()
	}
	for _, n := range []int{1, 7, 8, 13, 21} {
		wp := 2*n + 5
		src := randRow(rng, 4*wp)
		ds := n + 3
		want, got := make([]float32, 16*ds), make([]float32, 16*ds)
		withAVX(false, func() { WinoInputRow(src, wp, want, ds, n) })
		withAVX(true, func() { WinoInputRow(src, wp, got, ds, n) })
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("input n=%d: [%d] = %g, scalar %g", n, i, got[i], want[i])
			}
		}
		o := randRow(rng, 16*ds)
		for _, cut := range []int{0, 1, 3} { // outputs missing at a row's end
			if cut >= 2*n {
				continue
			}
			for _, relu := range []bool{false, true} {
				for _, second := range []bool{true, false} {
					rows := func(avx bool) (y0, y1 []float32) {
						y0, y1 = make([]float32, 2*n-cut+2), make([]float32, 2*n-cut+2)
						r0, r1 := y0[:2*n-cut], y1[:2*n-cut]
						if !second {
							r1 = nil
						}
						withAVX(avx, func() { WinoOutputRow(o, ds, r0, r1, n, 0.25, relu) })
						return y0, y1
					}
					w0, w1 := rows(false)
					g0, g1 := rows(true)
					for i := range w0 {
						if g0[i] != w0[i] || g1[i] != w1[i] {
							t.Fatalf("output n=%d cut=%d relu=%v second=%v: [%d] = %g,%g, scalar %g,%g",
								n, cut, relu, second, i, g0[i], g1[i], w0[i], w1[i])
						}
					}
				}
			}
		}
	}
}
