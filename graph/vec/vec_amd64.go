package vec

import "golang.org/x/sys/cpu"

var (
	hasAVX2 = cpu.X86.HasAVX2
	hasFMA  = hasAVX2 && cpu.X86.HasFMA
	// has512 picks AVX-512 forms where there are some: masked tails
	// instead of scalar ones.
	has512 = hasFMA && cpu.X86.HasAVX512F
)

// The vector parts, in vec_amd64.s, do eight elements a step. Their Go
// wrappers return how many leading elements they did, none without AVX2.

// eights runs f(0, n) on whole blocks of eight, then, where n is not a
// multiple of eight, f(n−8, 8) on a last block that overlaps the one
// before: a scalar tail of up to seven elements cost as much as the rest of
// a 55-wide row. Only for primitives whose effect done twice is the same.
func eights(n int, ok bool, f func(i, m int)) int {
	if !ok || n < 8 {
		return 0
	}
	f(0, n)
	if n%8 != 0 {
		f(n-8, 8)
	}
	return n
}

//go:noescape
func deinterleaveAVX(e, o, src *float32, n int)

func deinterleaveVec(e, o, src []float32) int {
	return eights(len(e), hasAVX2, func(i, m int) { deinterleaveAVX(&e[i], &o[i], &src[2*i], m) })
}

//go:noescape
func reluAVX(dst, src *float32, n int)

//go:noescape
func reluGradAVX(dst, y, grad *float32, n int)

func reluVec(dst, src []float32) int {
	return eights(len(dst), hasAVX2, func(i, m int) { reluAVX(&dst[i], &src[i], m) })
}

func reluGradVec(dst, y, g []float32) int {
	return eights(len(dst), hasAVX2, func(i, m int) { reluGradAVX(&dst[i], &y[i], &g[i], m) })
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

//go:noescape
func scaleAddAVX(dst, src *float32, a, c float32, n int)

//go:noescape
func scaleAdd512(dst, src *float32, a, c float32, n int)

func scaleAddVec(dst, src []float32, a, c float32) int {
	if has512 && len(dst) > 0 {
		_ = src[len(dst)-1]
		scaleAdd512(&dst[0], &src[0], a, c, len(dst))
		return len(dst)
	}
	n := len(dst) &^ 15
	if !hasFMA || n == 0 {
		return 0
	}
	_ = src[n-1]
	scaleAddAVX(&dst[0], &src[0], a, c, n)
	return n
}

//go:noescape
func axpy512(y, x *float32, alpha float32, n int)

func axpyVec(y, x []float32, alpha float32) int {
	if has512 && len(y) > 0 {
		_ = x[len(y)-1]
		axpy512(&y[0], &x[0], alpha, len(y))
		return len(y)
	}
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
	return eights(len(best), hasAVX2, func(i, m int) {
		argmaxTapAVX(&best[i], &idx[i], &tap[i], start+step*int32(i), step, m)
	})
}

//go:noescape
func lrnScaleAVX(r, rs, s *float32, bias, a float32, n int)

func lrnScaleVec(r, rs, s []float32, bias, a float32) int {
	return eights(len(r), hasFMA, func(i, m int) { lrnScaleAVX(&r[i], &rs[i], &s[i], bias, a, m) })
}

//go:noescape
func clipAVX(dst, src *float32, lo, hi float32, n int)

//go:noescape
func clipGradAVX(dst, x, grad *float32, lo, hi float32, n int)

func clipVec(dst, src []float32, lo, hi float32) int {
	return eights(len(dst), hasAVX2, func(i, m int) { clipAVX(&dst[i], &src[i], lo, hi, m) })
}

func clipGradVec(dst, x, g []float32, lo, hi float32) int {
	return eights(len(dst), hasAVX2, func(i, m int) { clipGradAVX(&dst[i], &x[i], &g[i], lo, hi, m) })
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

//go:noescape
func momentumAVX(x, mu, grad *float32, m, s float32, n int)

//go:noescape
func sumSqDiffAVX(a, b *float32, n int) float32

//go:noescape
func adaGradAVX(x, mu, acc, grad *float32, m, rho, inv float32, n int)

//go:noescape
func laplaceAVX(d, x, up, down *float32, c float32, n int)

//go:noescape
func sumPow6AVX(x *float32, n int) float64

//go:noescape
func scaledPow5AVX(d, x *float32, c float32, n int)

//go:noescape
func scaledDiffAVX(d, a, b *float32, f float32, n int)

//go:noescape
func scaledDiffsAVX(d, a, b, c, e *float32, f float32, n int)

// whole is n rounded down to whole blocks of eight, 0 without AVX2: for
// primitives that may not do an element twice.
func whole(n int) int {
	if !hasAVX2 {
		return 0
	}
	return n &^ 7
}

func momentumVec(x, mu, g []float32, m, s float32) int {
	n := whole(len(x))
	if n > 0 {
		momentumAVX(&x[0], &mu[0], &g[0], m, s, n)
	}
	return n
}

func adaGradVec(x, mu, acc, g []float32, m, rho, inv float32) int {
	n := whole(len(x))
	if n > 0 {
		adaGradAVX(&x[0], &mu[0], &acc[0], &g[0], m, rho, inv, n)
	}
	return n
}

func sumSqDiffVec(a, b []float32) (int, float32) {
	n := whole(len(a))
	if n == 0 {
		return 0, 0
	}
	return n, sumSqDiffAVX(&a[0], &b[0], n)
}

// laplaceVec does d (the interior of a row, from its second element), with
// x the whole row and up, down the rows above and below from their second
// element.
func laplaceVec(d, x, up, down []float32, c float32) int {
	_ = x[len(d)+1]
	return eights(len(d), hasAVX2, func(i, m int) { laplaceAVX(&d[i], &x[i], &up[i], &down[i], c, m) })
}

func sumPow6Vec(x []float32) (int, float64) {
	n := whole(len(x))
	if n == 0 {
		return 0, 0
	}
	return n, sumPow6AVX(&x[0], n)
}

func scaledPow5Vec(d, x []float32, c float32) int {
	return eights(len(d), hasAVX2, func(i, m int) { scaledPow5AVX(&d[i], &x[i], c, m) })
}

func scaledDiffVec(d, a, b []float32, f float32) int {
	return eights(len(d), hasAVX2, func(i, m int) { scaledDiffAVX(&d[i], &a[i], &b[i], f, m) })
}

func scaledDiffsVec(d, a, b, c, e []float32, f float32) int {
	return eights(len(d), hasAVX2, func(i, m int) { scaledDiffsAVX(&d[i], &a[i], &b[i], &c[i], &e[i], f, m) })
}

//go:noescape
func blendAVX(d, a, b *float32, wa, wb float32, n int)

func blendVec(d, a, b []float32, wa, wb float32) int {
	return eights(len(d), hasAVX2, func(i, m int) { blendAVX(&d[i], &a[i], &b[i], wa, wb, m) })
}

//go:noescape
func winoInput6AVX(plane *float32, offs *int32, groups, wp int, v *float32, vs, step int)

//go:noescape
func winoInput6WideAVX(plane *float32, offs *int32, groups, wp int, v *float32, vs, step int)

func winoInput6Vec(plane []float32, offs []int32, wp int, v []float32, vs, step, groups int, spill bool) bool {
	switch {
	case !hasAVX2:
		return false
	case spill:
		winoInput6WideAVX(&plane[0], &offs[0], groups, wp, &v[0], vs, step)
	default:
		winoInput6AVX(&plane[0], &offs[0], groups, wp, &v[0], vs, step)
	}
	return true
}

//go:noescape
func winoInputRowAVX(src *float32, wp int, dst *float32, ds, blocks int)

//go:noescape
func winoOutputRowAVX(o *float32, os int, y0, y1 *float32, blocks int, bias float32, relu bool)

// winoInputRowVec does blocks of eight tiles, a last one overlapping the
// one before.
func winoInputRowVec(src []float32, wp int, dst []float32, ds, n int) int {
	if !hasAVX2 || n < 8 {
		return 0
	}
	winoInputRowAVX(&src[0], wp, &dst[0], ds, n/8)
	if n%8 != 0 {
		winoInputRowAVX(&src[2*(n-8)], wp, &dst[n-8], ds, 1)
	}
	return n
}

// winoOutputRowVec does the tiles whose outputs lie whole in both rows,
// eight at a time, a last block overlapping the one before.
func winoOutputRowVec(o []float32, os int, y0, y1 []float32, n int, bias float32, relu bool) int {
	full := min(n, len(y0)/2)
	if !hasAVX2 || len(y1) == 0 || full < 8 {
		return 0
	}
	winoOutputRowAVX(&o[0], os, &y0[0], &y1[0], full/8, bias, relu)
	if full%8 != 0 {
		winoOutputRowAVX(&o[full-8], os, &y0[2*(full-8)], &y1[2*(full-8)], 1, bias, relu)
	}
	return full
}

//go:noescape
func mulAVX(d, a, b *float32, n int)

//go:noescape
func addMulAVX(d, a, b *float32, n int)

//go:noescape
func mulSubAVX(d, a, b, c, e *float32, n int)

func mulVec(d, a, b []float32) int {
	if len(d) > 0 && (&d[0] == &a[0] || &d[0] == &b[0]) {
		// In place: whole blocks only, as a block redone would multiply
		// twice.
		n := whole(len(d))
		if n > 0 {
			mulAVX(&d[0], &a[0], &b[0], n)
		}
		return n
	}
	return eights(len(d), hasAVX2, func(i, m int) { mulAVX(&d[i], &a[i], &b[i], m) })
}

// addMulVec may not redo elements: whole blocks only.
func addMulVec(d, a, b []float32) int {
	n := whole(len(d))
	if n > 0 {
		addMulAVX(&d[0], &a[0], &b[0], n)
	}
	return n
}

func mulSubVec(d, a, b, c, e []float32) int {
	return eights(len(d), hasAVX2, func(i, m int) { mulSubAVX(&d[i], &a[i], &b[i], &c[i], &e[i], m) })
}

//go:noescape
func sigmoidAVX(dst, src *float32, n int)

func sigmoidVec(dst, src []float32) int {
	return eights(len(dst), hasFMA, func(i, m int) { sigmoidAVX(&dst[i], &src[i], m) })
}

//go:noescape
func siluAVX(dst, src *float32, n int)

func siluVec(dst, src []float32) int {
	return eights(len(dst), hasFMA, func(i, m int) { siluAVX(&dst[i], &src[i], m) })
}

//go:noescape
func siluGradAVX(dst, x, grad *float32, n int)

func siluGradVec(dst, x, g []float32) int {
	return eights(len(dst), hasFMA, func(i, m int) { siluGradAVX(&dst[i], &x[i], &g[i], m) })
}

//go:noescape
func geluAVX(dst, src *float32, n int)

//go:noescape
func geluGradAVX(dst, x, grad *float32, n int)

func geluVec(dst, src []float32) int {
	return eights(len(dst), hasFMA, func(i, m int) { geluAVX(&dst[i], &src[i], m) })
}

func geluGradVec(dst, x, g []float32) int {
	return eights(len(dst), hasFMA, func(i, m int) { geluGradAVX(&dst[i], &x[i], &g[i], m) })
}

//go:noescape
func expShiftAVX(dst, src *float32, shift float32, n int) float32

// expShiftVec does the whole blocks of eight (a sum cannot take the
// overlapping last block the other kernels use).
func expShiftVec(dst, src []float32, shift float32) (int, float32) {
	n := len(dst) &^ 7
	if !hasFMA || n == 0 {
		return 0, 0
	}
	return n, expShiftAVX(&dst[0], &src[0], shift, n)
}

//go:noescape
func sumSqAVX(x *float32, c float32, n int) (s, q float32)

//go:noescape
func normAffineAVX(y, x, gamma, beta *float32, m, inv float32, n int)

//go:noescape
func normGradAVX(d, x *float32, a, c, m, inv float32, n int)

func sumSqVec(x []float32, c float32) (int, float32, float32) {
	n := len(x) &^ 15
	if !hasFMA || n == 0 {
		return 0, 0, 0
	}
	s, q := sumSqAVX(&x[0], c, n)
	return n, s, q
}

func normAffineVec(y, x, g, b []float32, m, inv float32) int {
	return eights(len(y), hasFMA, func(i, k int) { normAffineAVX(&y[i], &x[i], &g[i], &b[i], m, inv, k) })
}

// normGradVec updates d in place, so the overlapping last block of the
// other kernels would apply it twice: whole blocks only.
func normGradVec(d, x []float32, a, c, m, inv float32) int {
	n := len(d) &^ 7
	if !hasFMA || n == 0 {
		return 0
	}
	normGradAVX(&d[0], &x[0], a, c, m, inv, n)
	return n
}

//go:noescape
func dotShiftAVX(u, x *float32, c float32, n int) float32

func dotShiftVec(u, x []float32, c float32) (int, float32) {
	n := len(u) &^ 15
	if !hasFMA || n == 0 {
		return 0, 0
	}
	return n, dotShiftAVX(&u[0], &x[0], c, n)
}

//go:noescape
func axpyStrided512(y, x *float32, alpha float32, stride, n int, scatter bool)

func axpyFromVec(y, x []float32, alpha float32, stride int) int {
	n := len(y)
	if !has512 || n == 0 || (n-1)*stride >= 1<<31 {
		return 0
	}
	_ = x[(n-1)*stride]
	axpyStrided512(&y[0], &x[0], alpha, stride, n, false)
	return n
}

func axpyToVec(y, x []float32, alpha float32, stride int) int {
	n := len(x)
	if !has512 || n == 0 || (n-1)*stride >= 1<<31 {
		return 0
	}
	_ = y[(n-1)*stride]
	axpyStrided512(&y[0], &x[0], alpha, stride, n, true)
	return n
}
