package vec

import "fmt"

// WinoInput6 writes the input transform V = Bᵀ d B of Winograd's F(2×2,
// 3×3), Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], for 4×4 tiles d of a
// plane whose rows are wp apart, six tiles to a group: tile r of group i
// has its top-left corner at plane[offs[8i+r]] (entries 6 and 7 of each
// group of eight are read but not used), and element ξ = 4·row + column of
// its V goes to v[ξ·vs + i·step + r]. That is the layout of six-row packed
// matrix panels, one matrix per ξ.
//
// With spill it may also write the two slots after each group's six
// (v[ξ·vs + i·step + 6] and + 7), with values of no use: a caller filling
// a panel's channels in order lets each overwrite what the one before
// spilled, and saves the dearer six-lane stores.
func WinoInput6(plane []float32, offs []int32, wp int, v []float32, vs, step int, spill bool) {
	groups := len(offs) / 8
	if groups == 0 {
		return
	}
	for _, o := range offs {
		if o < 0 || int(o)+3*wp+3 >= len(plane) {
			panic(fmt.Sprintf("vec: tile at %d outside a plane of %d (rows %d apart)", o, len(plane), wp))
		}
	}
	if last := 15*vs + (groups-1)*step + 5; last >= len(v) || spill && last+2 >= len(v) {
		panic(fmt.Sprintf("vec: %d groups do not fit %d transformed values", groups, len(v)))
	}
	if winoInput6Vec(plane, offs, wp, v, vs, step, groups, spill) {
		return
	}
	for i := 0; i < groups; i++ {
		for r := 0; r < 6; r++ {
			for xi, x := range winoTile(plane, int(offs[8*i+r]), wp) {
				v[xi*vs+i*step+r] = x
			}
		}
	}
}

// winoTile is Bᵀ d B for the 4×4 window at src[o] (rows wp apart), in the
// order of the vector code's operations.
func winoTile(src []float32, o, wp int) (t [16]float32) {
	var bd [4][4]float32 // Bᵀ d
	for s := 0; s < 4; s++ {
		d0, d1, d2, d3 := src[o+s], src[o+wp+s], src[o+2*wp+s], src[o+3*wp+s]
		bd[0][s], bd[1][s], bd[2][s], bd[3][s] = d0-d2, d1+d2, d2-d1, d1-d3
	}
	for row := 0; row < 4; row++ {
		a, b, c, e := bd[row][0], bd[row][1], bd[row][2], bd[row][3]
		t[4*row], t[4*row+1], t[4*row+2], t[4*row+3] = a-c, b+c, c-b, b-e
	}
	return t
}

// WinoInputRow writes V = Bᵀ d B (see WinoInput6) for a row of n tiles
// whose 4×4 windows start at src[2j] (rows wp apart, so src holds at least
// 3·wp + 2n + 2 values): element ξ of tile j goes to dst[ξ·ds + j].
func WinoInputRow(src []float32, wp int, dst []float32, ds, n int) {
	if n <= 0 {
		return
	}
	_ = src[3*wp+2*n+1]
	_ = dst[15*ds+n-1]
	for j := winoInputRowVec(src, wp, dst, ds, n); j < n; j++ {
		for xi, x := range winoTile(src, 2*j, wp) {
			dst[xi*ds+j] = x
		}
	}
}

// WinoOutputRow writes the output transform Aᵀ M A of F(2×2, 3×3),
// Aᵀ = [1 1 1 0; 0 1 −1 −1], for a row of n tiles whose 16 products are
// o[ξ·os + j]: tile j's 2×2 outputs, plus bias and through a Relu if relu,
// go to y0[2j], y0[2j+1] and y1[2j], y1[2j+1], as far as y0 and y1 reach
// (y1 empty for a last tile row past the output's edge).
func WinoOutputRow(o []float32, os int, y0, y1 []float32, n int, bias float32, relu bool) {
	if n <= 0 {
		return
	}
	_ = o[15*os+n-1]
	if len(y1) > 0 && len(y1) < len(y0) {
		panic("vec: WinoOutputRow's second row shorter than its first")
	}
	for j := winoOutputRowVec(o, os, y0, y1, n, bias, relu); j < n; j++ {
		var m [16]float32
		for xi := range m {
			m[xi] = o[xi*os+j]
		}
		r := WinoTileOutput(&m, bias, relu)
		for i, row := range [2][]float32{y0, y1} {
			if 2*j < len(row) {
				row[2*j] = r[i][0]
			}
			if 2*j+1 < len(row) {
				row[2*j+1] = r[i][1]
			}
		}
	}
}

// WinoTileOutput is one tile's Aᵀ M A (see WinoOutputRow) plus bias,
// through a Relu if relu, in the order of the vector code's operations.
func WinoTileOutput(m *[16]float32, bias float32, relu bool) (r [2][2]float32) {
	var am [2][4]float32 // Aᵀ M
	for c := 0; c < 4; c++ {
		a, b, cc, e := m[c], m[4+c], m[8+c], m[12+c]
		am[0][c] = a + b + cc
		am[1][c] = b - cc - e
	}
	for i := range r {
		a, b, c, e := am[i][0], am[i][1], am[i][2], am[i][3]
		r[i][0], r[i][1] = a+b+c+bias, b-c-e+bias
		if relu {
			r[i][0], r[i][1] = max(r[i][0], 0), max(r[i][1], 0)
		}
	}
	return r
}
