package graph

import "math"

// Fast float32 forms of the exponential and erf: softmax's and the Erf
// op's (GELU itself is vec.Gelu). One exponential each, a polynomial after
// range reduction; erf by Abramowitz & Stegun 7.1.26 (absolute error below
// 1.5e-7, under float32's own rounding of values near 1).

// expf is e^x in float32, relative error about 2e-7 on [−87, 88].
func expf(x float32) float32 {
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
	// e^r on |r| ≤ ln2/2 (Cephes expf's coefficients).
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	e := p*r*r + r + 1
	return e * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// erfAndGauss returns erf(x) and e^{−x²}.
func erfAndGauss(x float32) (erf, gauss float32) {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	gauss = expf(-x * x)
	t := 1 / (1 + 0.3275911*ax)
	poly := ((((1.061405429*t-1.453152027)*t+1.421413741)*t-0.284496736)*t + 0.254829592) * t
	erf = 1 - poly*gauss
	if x < 0 {
		erf = -erf
	}
	return erf, gauss
}

func erfRow(y, x []float32) {
	x = x[:len(y)]
	for i, v := range x {
		y[i], _ = erfAndGauss(v)
	}
}

func erfGradRow(d, x, g []float32) {
	x, g = x[:len(d)], g[:len(d)]
	for i, v := range x {
		_, gauss := erfAndGauss(v)
		d[i] = g[i] * (2 / math.SqrtPi) * gauss
	}
}
