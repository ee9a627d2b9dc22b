package vec

import "math"

// Sigmoid sets dst[i] = 1/(1 + e^{−src[i]}) from t = e^{−|x|} by Exp32
// (the vector kernel computes the same exponential eight at a time):
// 1/(1 + t) for x ≥ 0, t/(1 + t) below, so that the tails are exactly 0
// and 1, never denormal.
func Sigmoid(dst, src []float32) {
	src = src[:len(dst)]
	for i := sigmoidVec(dst, src); i < len(dst); i++ {
		dst[i] = sigmoid(src[i])
	}
}

func sigmoid(x float32) float32 {
	t := Exp32(-float32(math.Abs(float64(x))))
	num := float32(1)
	if math.Signbit(float64(x)) {
		num = t
	}
	return num / (1 + t)
}

// SiLU sets dst[i] = src[i]·σ(src[i]) (Swish), σ as Sigmoid's, in one pass.
func SiLU(dst, src []float32) {
	src = src[:len(dst)]
	for i := siluVec(dst, src); i < len(dst); i++ {
		dst[i] = src[i] * sigmoid(src[i])
	}
}

// SiLUGrad sets dst[i] = g[i]·σ·(1 + x[i]·(1 − σ)), the SiLU's derivative
// at x[i] times g[i], σ recomputed from x, in one pass.
func SiLUGrad(dst, x, g []float32) {
	x, g = x[:len(dst)], g[:len(dst)]
	for i := siluGradVec(dst, x, g); i < len(dst); i++ {
		s := sigmoid(x[i])
		dst[i] = g[i] * s * (1 + x[i]*(1-s))
	}
}
