package handcrafted

import "golang.org/x/sys/cpu"

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
