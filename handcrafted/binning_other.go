//go:build !amd64

package handcrafted

func hardBinVec(bin []int32, mag, gx, gy, ox, oy []float32) int { return 0 }

func unpoolHardVec(dx, dy, gx, gy, m []float32, lo []int32, cols *colArrays, g []float32, nc int) int {
	return 0
}

func bilinearBinVec(b binning, lo []int32, f, mag, gx, gy []float32) int { return 0 }

func poolRowVec(out0, out1 []float32, wr0, wr1 float32, m []float32, lo []int32, r *cellRuns) bool {
	return false
}

var has512 = false

func cellsToPlanes(dst []float32, csp int, src []float32, nb, nc, lanes int) {
	cellsToPlanesGo(dst, csp, src, nb, nc, lanes)
}

func planesToCells(dst, src []float32, csp, nb, lanes int) {}

func unpoolHardCells(dx, dy, gx, gy, m []float32, lo []int32, cols *colArrays, gmap []float32) {}

func poolRowBiVec(out0, out1 []float32, wr0, wr1 float32, m, f []float32, lo []int32, r *cellRuns, tables *[2 * 32 * 32]float32, lanes int) bool {
	return false
}

func (k histogram) unpoolBilinearCells(dx, dy, gx, gy, m []float32, lo []int32, f []float32, gmap []float32) {
}
