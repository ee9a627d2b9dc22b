package handcrafted

import "golang.org/x/sys/cpu"

// Implemented in binning_amd64.s (AVX2).
//
//go:noescape
func hardBinAVX(bin *int32, mag, gx, gy, ox, oy *float32, nk, n int)

func hardBinVec(bin []int32, mag, gx, gy, ox, oy []float32) int {
	n := len(bin) &^ 7
	if !cpu.X86.HasAVX2 || n == 0 || len(ox) == 0 {
		return 0
	}
	_, _, _ = mag[n-1], gx[n-1], gy[n-1]
	hardBinAVX(&bin[0], &mag[0], &gx[0], &gy[0], &ox[0], &oy[0], len(ox), n)
	return n
}
