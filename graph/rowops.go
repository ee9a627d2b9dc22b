package graph

import "math"

// Row primitives of max pooling. Each works on whole rows so that its
// vector form (rowops_amd64.s) does eight elements a step; pooling is
// otherwise a data-dependent branch or a long chain of scalar max
// operations per output.

// vmax sets dst[i] = max(dst[i], src[i]) for i < len(dst).
func vmax(dst, src []float32) {
	src = src[:len(dst)]
	for i := vmaxVec(dst, src); i < len(dst); i++ {
		if v := src[i]; !(dst[i] > v) { // as VMAXPS: a NaN takes src
			dst[i] = v
		}
	}
}

// deinterleave splits src into its even elements e[i] = src[2i] and odd
// ones o[i] = src[2i+1], for i < len(e) (len(o) ≥ len(e)).
func deinterleave(e, o, src []float32) {
	src = src[:2*len(e)]
	for i := deinterleaveVec(e, o, src); i < len(e); i++ {
		e[i], o[i] = src[2*i], src[2*i+1]
	}
}

// interleaveAdd adds e and o back to the even and odd elements of dst:
// dst[2i] += e[i], dst[2i+1] += o[i], for i < len(e).
func interleaveAdd(dst, e, o []float32) {
	dst = dst[:2*len(e)]
	for i := interleaveAddVec(dst, e, o); i < len(e); i++ {
		dst[2*i] += e[i]
		dst[2*i+1] += o[i]
	}
}

// firstMatch routes g[i] to dst[i] where tap[i] equals the window maximum
// m[i] and no earlier tap of the window did (found[i] clear), then marks
// found[i]. Called for a window's taps in order, it sends each window's
// gradient to its first maximum.
func firstMatch(dst, tap, m, g []float32, found []uint32) {
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
