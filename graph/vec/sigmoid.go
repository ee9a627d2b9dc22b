package vec

import "math"

// Sigmoid sets dst[i] = 1/(1 + e^{−src[i]}) from t = e^{−|x|} by Exp32
// (the vector kernel computes the same exponential eight at a time):
// 1/(1 + t) for x ≥ 0, t/(1 + t) below, so that the tails are exactly 0
// and 1, never denormal.
func Sigmoid(dst, src []float32) {
	src = src[:len(dst)]
	for i := sigmoidVec(dst, src); i < len(dst); i++ {
		x := src[i]
		t := Exp32(-float32(math.Abs(float64(x))))
		num := float32(1)
		if math.Signbit(float64(x)) {
			num = t
		}
		dst[i] = num / (1 + t)
	}
}
