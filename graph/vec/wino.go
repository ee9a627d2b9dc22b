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
			o := int(offs[8*i+r])
			var bd [4][4]float32 // Bᵀ d
			for s := 0; s < 4; s++ {
				d0, d1, d2, d3 := plane[o+s], plane[o+wp+s], plane[o+2*wp+s], plane[o+3*wp+s]
				bd[0][s], bd[1][s], bd[2][s], bd[3][s] = d0-d2, d1+d2, d2-d1, d1-d3
			}
			at := i*step + r
			for row := 0; row < 4; row++ {
				a, b, c, e := bd[row][0], bd[row][1], bd[row][2], bd[row][3]
				v[(4*row+0)*vs+at] = a - c
				v[(4*row+1)*vs+at] = b + c
				v[(4*row+2)*vs+at] = c - b
				v[(4*row+3)*vs+at] = b - e
			}
		}
	}
}
