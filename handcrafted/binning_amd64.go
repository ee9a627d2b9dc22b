package handcrafted

import (
	"math"

	"golang.org/x/sys/cpu"
)

// Implemented in binning_amd64.s (AVX2).
//
//go:noescape
func hardBinAVX(bin *int32, mag, gx, gy, ox, oy *float32, nk, n int)

func hardBinVec(bin []int32, mag, gx, gy, ox, oy []float32) int {
	if n := len(bin); has512 && n >= 16 && len(ox) > 0 {
		// A last, overlapping block of sixteen redoes some pixels with
		// the same result.
		_, _, _ = mag[n-1], gx[n-1], gy[n-1]
		hardBin512(&bin[0], &mag[0], &gx[0], &gy[0], &ox[0], &oy[0], len(ox), n)
		if n%16 != 0 {
			i := n - 16
			hardBin512(&bin[i], &mag[i], &gx[i], &gy[i], &ox[0], &oy[0], len(ox), 16)
		}
		return n
	}
	n := len(bin) &^ 7
	if !cpu.X86.HasAVX2 || n == 0 || len(ox) == 0 {
		return 0
	}
	_, _, _ = mag[n-1], gx[n-1], gy[n-1]
	hardBinAVX(&bin[0], &mag[0], &gx[0], &gy[0], &ox[0], &oy[0], len(ox), n)
	return n
}

// Implemented in histogram_amd64.s (AVX-512).
//
//go:noescape
func hardBin512(bin *int32, mag, gx, gy, ox, oy *float32, nk, n int)

//go:noescape
func unpoolHardAVX(dx, dy, gx, gy, m *float32, lo, c0, c1 *int32, w0, w1, gmap *float32, nc, n int)

func unpoolHardVec(dx, dy, gx, gy, m []float32, lo []int32, cols *colArrays, g []float32, nc int) int {
	n := len(dx)
	if !cpu.X86.HasAVX2 || n < 8 {
		return 0
	}
	_, _, _, _, _, _ = dy[n-1], gx[n-1], gy[n-1], m[n-1], lo[n-1], cols.c0[n-1]
	_, _, _ = cols.c1[n-1], cols.w0[n-1], cols.w1[n-1]
	// A last, overlapping block of eight redoes some pixels with the same
	// result.
	for _, i := range []int{0, n - 8} {
		k := n - i
		if i > 0 {
			if n%8 == 0 {
				break
			}
			k = 8
		}
		unpoolHardAVX(&dx[i], &dy[i], &gx[i], &gy[i], &m[i], &lo[i], &cols.c0[i], &cols.c1[i], &cols.w0[i], &cols.w1[i], &g[0], nc, k)
	}
	return n
}

//go:noescape
func bilinearBinAVX(lo *int32, f, mag, gx, gy *float32, scale, nk float32, fast bool, n int)

func bilinearBinVec(b binning, lo []int32, f, mag, gx, gy []float32) int {
	n := len(lo) &^ 7
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA || n == 0 {
		return 0
	}
	_, _, _, _ = f[n-1], mag[n-1], gx[n-1], gy[n-1]
	bilinearBinAVX(&lo[0], &f[0], &mag[0], &gx[0], &gy[0], float32(b.k)/(2*math.Pi), float32(b.k), b.fastAtan2, n)
	return n
}
