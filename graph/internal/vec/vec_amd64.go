package vec

import "golang.org/x/sys/cpu"

var (
	hasAVX2 = cpu.X86.HasAVX2
	hasFMA  = hasAVX2 && cpu.X86.HasFMA
)

// The vector parts, in vec_amd64.s, do eight elements a step. Their Go
// wrappers return how many leading elements they did, none without AVX2.
// Those whose effect is the same done twice finish with a last block of
// eight that overlaps the one before: a scalar tail of up to seven elements
// cost as much as the rest of a 55-wide row.

//go:noescape
func deinterleaveAVX(e, o, src *float32, n int)

func deinterleaveVec(e, o, src []float32) int {
	n := len(e)
	if !hasAVX2 || n < 8 {
		return 0
	}
	_, _ = o[n-1], src[2*n-1]
	deinterleaveAVX(&e[0], &o[0], &src[0], n)
	if n%8 != 0 {
		deinterleaveAVX(&e[n-8], &o[n-8], &src[2*n-16], 8)
	}
	return n
}

//go:noescape
func reluAVX(dst, src *float32, n int)

//go:noescape
func reluGradAVX(dst, y, grad *float32, n int)

func reluVec(dst, src []float32) int {
	n := len(dst)
	if !hasAVX2 || n < 8 {
		return 0
	}
	_ = src[n-1]
	reluAVX(&dst[0], &src[0], n)
	if n%8 != 0 {
		reluAVX(&dst[n-8], &src[n-8], 8)
	}
	return n
}

func reluGradVec(dst, y, g []float32) int {
	n := len(dst)
	if !hasAVX2 || n < 8 {
		return 0
	}
	_, _ = y[n-1], g[n-1]
	reluGradAVX(&dst[0], &y[0], &g[0], n)
	if n%8 != 0 {
		reluGradAVX(&dst[n-8], &y[n-8], &g[n-8], 8)
	}
	return n
}

//go:noescape
func dotAVX(a, b *float32, n int) float32

//go:noescape
func axpyAVX(y, x *float32, alpha float32, n int)

func dotVec(a, b []float32) (int, float32) {
	n := len(a) &^ 31
	if !hasFMA || n == 0 {
		return 0, 0
	}
	_ = b[n-1]
	return n, dotAVX(&a[0], &b[0], n)
}

func axpyVec(y, x []float32, alpha float32) int {
	n := len(y) &^ 15
	if !hasFMA || n == 0 {
		return 0
	}
	_ = x[n-1]
	axpyAVX(&y[0], &x[0], alpha, n)
	return n
}

//go:noescape
func argmaxTapAVX(best *float32, idx *int32, tap *float32, start, step int32, n int)

// argmaxTapVec may repeat elements: a tap already folded in is not greater
// than the maximum it set.
func argmaxTapVec(best []float32, idx []int32, tap []float32, start, step int32) int {
	n := len(best)
	if !hasAVX2 || n < 8 {
		return 0
	}
	_, _ = idx[n-1], tap[n-1]
	argmaxTapAVX(&best[0], &idx[0], &tap[0], start, step, n)
	if n%8 != 0 {
		i := n - 8
		argmaxTapAVX(&best[i], &idx[i], &tap[i], start+step*int32(i), step, 8)
	}
	return n
}

//go:noescape
func addSquaresAVX(dst, x *float32, n int)

//go:noescape
func lrnScaleAVX(r, rs, s *float32, bias, a float32, n int)

func addSquaresVec(dst, x []float32) int {
	n := len(dst) &^ 7
	if !hasFMA || n == 0 {
		return 0
	}
	_ = x[n-1]
	addSquaresAVX(&dst[0], &x[0], n)
	return n
}

func lrnScaleVec(r, rs, s []float32, bias, a float32) int {
	n := len(r)
	if !hasFMA || n < 8 {
		return 0
	}
	_, _ = rs[n-1], s[n-1]
	lrnScaleAVX(&r[0], &rs[0], &s[0], bias, a, n)
	if n%8 != 0 {
		lrnScaleAVX(&r[n-8], &rs[n-8], &s[n-8], bias, a, 8)
	}
	return n
}

//go:noescape
func clipAVX(dst, src *float32, lo, hi float32, n int)

//go:noescape
func clipGradAVX(dst, x, grad *float32, lo, hi float32, n int)

func clipVec(dst, src []float32, lo, hi float32) int {
	n := len(dst)
	if !hasAVX2 || n < 8 {
		return 0
	}
	_ = src[n-1]
	clipAVX(&dst[0], &src[0], lo, hi, n)
	if n%8 != 0 {
		clipAVX(&dst[n-8], &src[n-8], lo, hi, 8)
	}
	return n
}

func clipGradVec(dst, x, g []float32, lo, hi float32) int {
	n := len(dst)
	if !hasAVX2 || n < 8 {
		return 0
	}
	_, _ = x[n-1], g[n-1]
	clipGradAVX(&dst[0], &x[0], &g[0], lo, hi, n)
	if n%8 != 0 {
		clipGradAVX(&dst[n-8], &x[n-8], &g[n-8], lo, hi, 8)
	}
	return n
}

//go:noescape
func maxPool3s2AVX(best *float32, idx *int32, r0, r1, r2 *float32, off0, off1, off2, x0 int32, n int)

func maxPool3s2Vec(best []float32, idx []int32, r0, r1, r2 []float32, off0, off1, off2, x0 int32) int {
	// Each row is read to 2·n + 1, one float past the last window.
	fit := (min(len(r0), len(r1), len(r2)) - 2) / 2
	n := min(len(best), fit) &^ 7
	if !hasAVX2 || n <= 0 {
		return 0
	}
	_ = idx[n-1]
	maxPool3s2AVX(&best[0], &idx[0], &r0[0], &r1[0], &r2[0], off0, off1, off2, x0, n)
	if m := len(best); n < m && m <= fit {
		// The rest as a last block of eight that overlaps the one before:
		// the windows it does again come out the same.
		k := m - 8
		maxPool3s2AVX(&best[k], &idx[k], &r0[2*k], &r1[2*k], &r2[2*k], off0, off1, off2, x0+int32(2*k), 8)
		n = m
	}
	return n
}
