// Package vec holds the vector primitives that graph's kernels, and the
// kernels of ops written outside graph (handcrafted's HOG, invert's priors
// and optimisers), are built on, in AVX2 assembly on amd64 with a scalar Go
// fallback. It is its own package because a package that uses cgo (graph
// built with -tags openblas) cannot also hold Go assembly.
package vec

import "math"

// Each primitive works on whole rows so that its vector form does eight
// elements a step; the scalar loops finish what it leaves.

// Deinterleave splits src into its even elements e[i] = src[2i] and odd
// ones o[i] = src[2i+1], for i < len(e) (len(o) ≥ len(e)).
func Deinterleave(e, o, src []float32) {
	src = src[:2*len(e)]
	for i := deinterleaveVec(e, o, src); i < len(e); i++ {
		e[i], o[i] = src[2*i], src[2*i+1]
	}
}

// Relu sets dst[i] = max(src[i], +0); −0 gives +0 and a NaN stays NaN, as
// onnxruntime's Relu does.
func Relu(dst, src []float32) {
	src = src[:len(dst)]
	for i := reluVec(dst, src); i < len(dst); i++ {
		if v := src[i]; v != v {
			dst[i] = v
			continue
		}
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

// ScaleAdd sets dst[i] = a·src[i] + c as one fused multiply-add (so a·x
// for c = 0 and x + c for a = 1 come out as those operations alone
// would); dst may be src.
func ScaleAdd(dst, src []float32, a, c float32) {
	src = src[:len(dst)]
	for i := scaleAddVec(dst, src, a, c); i < len(dst); i++ {
		dst[i] = float32(float64(a)*float64(src[i]) + float64(c))
	}
}

// Axpy sets y[i] += alpha·x[i] over len(y).
func Axpy(y, x []float32, alpha float32) {
	x = x[:len(y)]
	for i := axpyVec(y, x, alpha); i < len(y); i++ {
		y[i] += alpha * x[i]
	}
}

// AxpyFrom sets y[i] += alpha·x[i·stride] over len(y): a strided
// convolution's tap (DSIFT's 4×4 blocks every 3 bins).
func AxpyFrom(y, x []float32, alpha float32, stride int) {
	if len(y) == 0 {
		return
	}
	x = x[:(len(y)-1)*stride+1]
	for i := axpyFromVec(y, x, alpha, stride); i < len(y); i++ {
		y[i] += alpha * x[i*stride]
	}
}

// AxpyTo sets y[i·stride] += alpha·x[i] over len(x): AxpyFrom's
// transpose, the tap's gradient.
func AxpyTo(y, x []float32, alpha float32, stride int) {
	if len(x) == 0 {
		return
	}
	y = y[:(len(x)-1)*stride+1]
	for i := axpyToVec(y, x, alpha, stride); i < len(x); i++ {
		y[i*stride] += alpha * x[i]
	}
}

// ArgmaxTap folds one tap into running window maxima: where tap[i] >
// best[i], best[i] = tap[i] and idx[i] = start + step·i. Fed a window's
// taps in order, it keeps each window's first maximum.
func ArgmaxTap(best []float32, idx []int32, tap []float32, start, step int32) {
	idx, tap = idx[:len(best)], tap[:len(best)]
	for i := argmaxTapVec(best, idx, tap, start, step); i < len(best); i++ {
		if tap[i] > best[i] {
			best[i], idx[i] = tap[i], start+step*int32(i)
		}
	}
}

// LRNScale sets, with v = bias + a·s[i], r[i] = v^−0.75 and rs[i] = v^−1.75:
// local response normalisation's scale with AlexNet's β = 0.75, and its
// derivative's, in float32 (square roots, a product and divisions, each
// rounded once).
func LRNScale(r, rs, s []float32, bias, a float32) {
	rs, s = rs[:len(r)], s[:len(r)]
	for i := lrnScaleVec(r, rs, s, bias, a); i < len(r); i++ {
		v := float32(bias + float32(a*s[i]))
		q := float32(math.Sqrt(float64(v)))
		r[i] = 1 / float32(q*float32(math.Sqrt(float64(q))))
		rs[i] = r[i] / v
	}
}

// Clip sets dst[i] = min(max(src[i], lo), hi); a NaN stays NaN, as in
// onnxruntime.
func Clip(dst, src []float32, lo, hi float32) {
	src = src[:len(dst)]
	for i := clipVec(dst, src, lo, hi); i < len(dst); i++ {
		dst[i] = min(max(src[i], lo), hi)
	}
}

// ClipGrad sets dst[i] = g[i] where lo < x[i] < hi, else 0: Clip's
// gradient, 0 at the bounds.
func ClipGrad(dst, x, g []float32, lo, hi float32) {
	x, g = x[:len(dst)], g[:len(dst)]
	for i := clipGradVec(dst, x, g, lo, hi); i < len(dst); i++ {
		dst[i] = 0
		if x[i] > lo && x[i] < hi {
			dst[i] = g[i]
		}
	}
}

// MaxPool3s2 finds the first maximum, in row-major order, of 3×3 windows at
// stride 2 over rows r0, r1, r2: window k covers r_i[2k .. 2k+2], and its
// index is off_i + x0 + 2k + j. It reads each row one float past the last
// window, so a row should run on into the next where it can. It returns
// how many leading windows it did, eight at a time; the rest (a few where
// the rows end, or all without AVX2) are the caller's, through ArgmaxTap.
func MaxPool3s2(best []float32, idx []int32, r0, r1, r2 []float32, off0, off1, off2, x0 int32) int {
	return maxPool3s2Vec(best, idx[:len(best)], r0, r1, r2, off0, off1, off2, x0)
}
