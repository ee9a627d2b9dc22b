package vec

import "math"

// GELU is x·Φ(x), Φ the standard normal CDF. math.Erf in float64 cost
// ~15 ns a value; these take one exponential each (a polynomial after
// range reduction) and erf by Abramowitz & Stegun 7.1.26 (absolute error
// below 1.5e-7, under float32's own rounding of values near 1), eight at a
// time in gelu_amd64.s.

const (
	invSqrt2   = 0.70710678118654752
	invSqrt2Pi = 0.3989422804014327
)

// Gelu sets dst[i] = src[i]·Φ(src[i]).
func Gelu(dst, src []float32) {
	src = src[:len(dst)]
	for i := geluVec(dst, src); i < len(dst); i++ {
		erf, _ := erfHalf(src[i])
		dst[i] = 0.5 * src[i] * (1 + erf)
	}
}

// GeluGrad sets dst[i] = g[i]·(Φ(x[i]) + x[i]·φ(x[i])).
func GeluGrad(dst, x, g []float32) {
	x, g = x[:len(dst)], g[:len(dst)]
	for i := geluGradVec(dst, x, g); i < len(dst); i++ {
		erf, gauss := erfHalf(x[i])
		dst[i] = g[i] * (0.5*(1+erf) + x[i]*invSqrt2Pi*gauss)
	}
}

// erfHalf returns erf(x/√2) and e^{−x²/2}, as the vector code computes them.
func erfHalf(x float32) (erf, gauss float32) {
	a := x * invSqrt2
	if a < 0 {
		a = -a
	}
	z := max(-a*a, -87)
	u := z*1.44269504088896341 + 0.5
	n := float32(math.Floor(float64(u)))
	r := z - n*0.693359375 + n*2.12194440e-4
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	gauss = (p*r*r + r + 1) * math.Float32frombits(uint32(int32(n)+127)<<23)
	t := 1 / (1 + 0.3275911*a)
	q := ((((1.061405429*t-1.453152027)*t+1.421413741)*t-0.284496736)*t + 0.254829592) * t
	erf = 1 - q*gauss
	if x < 0 {
		erf = -erf
	}
	return erf, gauss
}

// Erf sets dst[i] = erf(src[i]), by the same approximation.
func Erf(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i], _ = erfHalf(v * math.Sqrt2)
	}
}

// ErfGrad sets dst[i] = g[i]·2/√π·e^{−x[i]²}.
func ErfGrad(dst, x, g []float32) {
	x, g = x[:len(dst)], g[:len(dst)]
	for i, v := range x {
		_, gauss := erfHalf(v * math.Sqrt2)
		dst[i] = g[i] * (2 / math.SqrtPi) * gauss
	}
}
