package vec

// SumSq returns Σ (x[i]−c) and Σ (x[i]−c)²: a run's mean and variance,
// shifted by c (a value of the run) so that float32 sums do not cancel.
func SumSq(x []float32, c float32) (s, q float32) {
	i, s, q := sumSqVec(x, c)
	for ; i < len(x); i++ {
		d := x[i] - c
		s += d
		q += d * d
	}
	return s, q
}

// NormAffine sets y[i] = (x[i]−m)·inv·g[i] + b[i].
func NormAffine(y, x, g, b []float32, m, inv float32) {
	x, g, b = x[:len(y)], g[:len(y)], b[:len(y)]
	for i := normAffineVec(y, x, g, b, m, inv); i < len(y); i++ {
		y[i] = (x[i]-m)*inv*g[i] + b[i]
	}
}

// NormGrad sets d[i] = inv·(d[i] − a − (x[i]−m)·c): a layer norm's input
// gradient, given d = g·γ, a = mean(d) and c = inv·mean(d·x̂).
func NormGrad(d, x []float32, a, c, m, inv float32) {
	x = x[:len(d)]
	for i := normGradVec(d, x, a, c, m, inv); i < len(d); i++ {
		d[i] = inv * (d[i] - a - (x[i]-m)*c)
	}
}

// DotShift returns Σ u[i]·(x[i]−c).
func DotShift(u, x []float32, c float32) float32 {
	x = x[:len(u)]
	i, s := dotShiftVec(u, x, c)
	for ; i < len(u); i++ {
		s += u[i] * (x[i] - c)
	}
	return s
}
