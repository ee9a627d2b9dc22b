package handcrafted

import (
	"math"

	"golang.org/x/sys/cpu"
)

// has512 selects the AVX-512 pooling kernel.
var has512 = cpu.X86.HasAVX512F

// onehot's row b is 1 at lane b and 0 elsewhere: a hard-binned pixel's
// histogram, which poolRow512 scales and adds to its cell.
var onehot = func() *[32 * 32]float32 {
	t := new([32 * 32]float32)
	for b := 0; b < 32; b++ {
		t[b*33] = 1
	}
	return t
}()

//go:noescape
func poolRow512(out0, out1 *float32, wr0, wr1 float32, m *float32, lo *int32, runs *int32, w *float32, onehot *float32, scratch *float32, nc int)

//go:noescape
func cellsToPlanes512(dst *float32, csp int, src *float32, nb, nc, lanes int)

// cellsToPlanes adds a row of cells laid out [cell][lanes bins] (src) to
// the bin planes of an output: dst[b·csp + c] += src[lanes·c + b].
func cellsToPlanes(dst []float32, csp int, src []float32, nb, nc, lanes int) {
	if nb == 0 || nc == 0 {
		return
	}
	_, _ = dst[(nb-1)*csp+nc-1], src[lanes*(nc-1)+nb-1]
	if has512 {
		cellsToPlanes512(&dst[0], csp, &src[0], nb, nc, lanes)
		return
	}
	cellsToPlanesGo(dst, csp, src, nb, nc, lanes)
}

//go:noescape
func poolRowBi512(out0, out1 *float32, wr0, wr1 float32, m, f *float32, lo *int32, runs *int32, w *float32, tables *float32, scratch *float32, nc int, narrow bool)

//go:noescape
func unpoolBilinear512(dx, dy, gx, gy, m, f *float32, lo, c0, c1 *int32, w0, w1, gmap *float32, c float32, nk int32, lanes, n int)

//go:noescape
func planesToCells512(dst *float32, src *float32, csp, nb, n, lanes int)

//go:noescape
func unpoolHard512(dx, dy, gx, gy, m *float32, lo, c0, c1 *int32, w0, w1, gmap *float32, n int)

// planesToCells sets dst[lanes·i + b] = src[b·csp + i] for b < nb ≤ lanes,
// i < len(dst)/lanes, and 0 for nb ≤ b < lanes (16 or 32): n cells of the
// bin planes src in the [cell][lanes bins] layout. It needs AVX-512
// (has512), as the unpooling kernels, the layout's readers, do.
func planesToCells(dst, src []float32, csp, nb, lanes int) {
	n := len(dst) / lanes
	if n == 0 || nb == 0 {
		return
	}
	_ = src[(nb-1)*csp+n-1]
	planesToCells512(&dst[0], &src[0], csp, nb, n, lanes)
}

// unpoolHardCells is unpoolHard from a map laid out [cell][32 bins]. It
// needs AVX-512 (has512), as backwardCells, its caller, does.
func unpoolHardCells(dx, dy, gx, gy, m []float32, lo []int32, cols *colArrays, gmap []float32) {
	n := len(dx)
	if n == 0 {
		return
	}
	_, _, _, _, _, _ = dy[n-1], gx[n-1], gy[n-1], m[n-1], lo[n-1], cols.c0[n-1]
	_, _, _ = cols.c1[n-1], cols.w0[n-1], cols.w1[n-1]
	unpoolHard512(&dx[0], &dy[0], &gx[0], &gy[0], &m[0], &lo[0], &cols.c0[0], &cols.c1[0], &cols.w0[0], &cols.w1[0], &gmap[0], n)
}

// poolRowBiVec is poolRowVec for bilinear binning (fractions f), into
// cells of 16 lanes where lanes is 16 (K ≤ 16), else of 32: tables is the
// histogram's.
func poolRowBiVec(out0, out1 []float32, wr0, wr1 float32, m, f []float32, lo []int32, r *cellRuns, tables *[2 * 32 * 32]float32, lanes int) bool {
	nc := len(r.span) / 2
	if !has512 || nc == 0 || len(lo) < r.reach || len(m) < r.pixels || len(f) < r.pixels {
		return false
	}
	_, _ = out0[lanes*nc-1], out1[lanes*nc-1]
	var scratch [32]float32
	poolRowBi512(&out0[0], &out1[0], wr0, wr1, &m[0], &f[0], &lo[0], &r.span[0], &r.w[0], &tables[0], &scratch[0], nc, lanes == 16)
	return true
}

// unpoolBilinearCells is unpoolBilinear from a map laid out [cell][k.lanes
// bins]. It needs AVX-512, as unpoolHardCells does.
func (k histogram) unpoolBilinearCells(dx, dy, gx, gy, m []float32, lo []int32, f []float32, gmap []float32) {
	n := len(dx)
	if n == 0 {
		return
	}
	cols := k.pairs
	_, _, _, _, _, _, _ = dy[n-1], gx[n-1], gy[n-1], m[n-1], f[n-1], lo[n-1], cols.c0[n-1]
	_, _, _ = cols.c1[n-1], cols.w0[n-1], cols.w1[n-1]
	c := float32(k.bins.k) / (2 * math.Pi)
	unpoolBilinear512(&dx[0], &dy[0], &gx[0], &gy[0], &m[0], &f[0], &lo[0], &cols.c0[0], &cols.c1[0], &cols.w0[0], &cols.w1[0], &gmap[0], c, int32(k.bins.k), k.lanes, n)
}

// poolRowVec pools a pixel row of hard-binned gradients (norms m, bins lo)
// into the cells r describes and adds them, times wr0 and wr1, to out0 and
// out1 ([cell][32], one lane per bin). It reports false, doing nothing,
// where the CPU lacks AVX-512 or lo is too short for the kernel's reads.
func poolRowVec(out0, out1 []float32, wr0, wr1 float32, m []float32, lo []int32, r *cellRuns) bool {
	nc := len(r.span) / 2
	if !has512 || nc == 0 || len(lo) < r.reach || len(m) < r.pixels {
		return false
	}
	_, _ = out0[32*nc-1], out1[32*nc-1]
	var scratch [16]float32
	poolRow512(&out0[0], &out1[0], wr0, wr1, &m[0], &lo[0], &r.span[0], &r.w[0], &onehot[0], &scratch[0], nc)
	return true
}
