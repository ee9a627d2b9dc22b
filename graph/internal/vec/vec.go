// Package vec holds the vector primitives graph's kernels are built on, in
// AVX2 assembly on amd64 with a scalar Go fallback. It is its own package
// because a package that uses cgo (graph built with -tags openblas) cannot
// also hold Go assembly.
package vec

import "math"

// Row primitives of max pooling and Relu. Each works on whole rows so that its
// vector form (rowops_amd64.s) does eight elements a step; pooling is
// otherwise a data-dependent branch or a long chain of scalar max
// operations per output.

// Max sets dst[i] = max(dst[i], src[i]) for i < len(dst).
func Max(dst, src []float32) {
	src = src[:len(dst)]
	for i := vmaxVec(dst, src); i < len(dst); i++ {
		if v := src[i]; !(dst[i] > v) { // as VMAXPS: a NaN takes src
			dst[i] = v
		}
	}
}

// Deinterleave splits src into its even elements e[i] = src[2i] and odd
// ones o[i] = src[2i+1], for i < len(e) (len(o) ≥ len(e)).
func Deinterleave(e, o, src []float32) {
	src = src[:2*len(e)]
	for i := deinterleaveVec(e, o, src); i < len(e); i++ {
		e[i], o[i] = src[2*i], src[2*i+1]
	}
}

// InterleaveAdd adds e and o back to the even and odd elements of dst:
// dst[2i] += e[i], dst[2i+1] += o[i], for i < len(e).
func InterleaveAdd(dst, e, o []float32) {
	dst = dst[:2*len(e)]
	for i := interleaveAddVec(dst, e, o); i < len(e); i++ {
		dst[2*i] += e[i]
		dst[2*i+1] += o[i]
	}
}

// FirstMatch routes g[i] to dst[i] where tap[i] equals the window maximum
// m[i] and no earlier tap of the window did (found[i] clear), then marks
// found[i]. Called for a window's taps in order, it sends each window's
// gradient to its first maximum.
func FirstMatch(dst, tap, m, g []float32, found []uint32) {
	tap, m, g, found = tap[:len(dst)], m[:len(dst)], g[:len(dst)], found[:len(dst)]
	for i := firstMatchVec(dst, tap, m, g, found); i < len(dst); i++ {
		eq := uint32(0)
		if tap[i] == m[i] {
			eq = ^found[i]
		}
		found[i] |= eq
		dst[i] += math.Float32frombits(math.Float32bits(g[i]) & eq)
	}
}

// Relu sets dst[i] = max(src[i], +0); −0 and NaN give +0.
func Relu(dst, src []float32) {
	src = src[:len(dst)]
	for i := reluVec(dst, src); i < len(dst); i++ {
		// Clearing the negatives by their sign bit is three instructions;
		// max(v, 0) is eight, for NaN and signed zeros.
		b := math.Float32bits(src[i])
		dst[i] = math.Float32frombits(b &^ uint32(int32(b)>>31))
	}
}

// ReluGrad sets dst[i] = g[i] where Relu's output y[i] is positive, else 0.
func ReluGrad(dst, y, g []float32) {
	y, g = y[:len(dst)], g[:len(dst)]
	for i := reluGradVec(dst, y, g); i < len(dst); i++ {
		// A branch on the sign mispredicts on half the elements, so the
		// output's bits make a mask: y ≥ +0, and y > 0 exactly when its
		// bits are not 0.
		mask := uint32(-int32(math.Float32bits(y[i])) >> 31)
		dst[i] = math.Float32frombits(math.Float32bits(g[i]) & mask)
	}
}

// Dot is Σ a[i]·b[i] over len(a).
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	i, s := dotVec(a, b)
	for ; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}

// Axpy sets y[i] += alpha·x[i] over len(y).
func Axpy(y, x []float32, alpha float32) {
	x = x[:len(y)]
	for i := axpyVec(y, x, alpha); i < len(y); i++ {
		y[i] += alpha * x[i]
	}
}
