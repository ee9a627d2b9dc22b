package vec

import "math"

// Exp32 is e^x in float32: range reduction by ln 2 and Cephes expf's
// polynomial, relative error about 2e-7 on [−87, 88] (0 below, +Inf
// above), what the vector kernels compute eight at a time (exp_amd64.h).
// math.Exp in float64 was most of softmax's and the sigmoid gates' time.
func Exp32(x float32) float32 {
	if x != x {
		return x
	}
	if x < -87 {
		return 0
	}
	if x > 88 {
		return float32(math.Inf(1))
	}
	const ln2hi, ln2lo = 0.693359375, -2.12194440e-4
	t := x*1.44269504088896341 + 0.5
	n := float32(int32(t)) // floor: truncation, one less for negatives
	if n > t {
		n--
	}
	r := x - n*ln2hi - n*ln2lo
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	e := p*r*r + r + 1
	return e * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// ExpShift sets dst[i] = e^(src[i]−shift) and returns their sum (a
// softmax's numerators, shift its row's maximum); src[i]−shift ≤ 88.
func ExpShift(dst, src []float32, shift float32) float32 {
	src = src[:len(dst)]
	i, s := expShiftVec(dst, src, shift)
	for ; i < len(dst); i++ {
		dst[i] = Exp32(src[i] - shift)
		s += dst[i]
	}
	return s
}
