package graph

import "math"

// expf is softmax's exponential: float32, a polynomial after range
// reduction (Cephes expf's), where math.Exp in float64 was most of
// attention's softmax time.

// expf is e^x, relative error about 2e-7 on [−87, 88].
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
