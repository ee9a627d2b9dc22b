package vec

import "math"

// The primitives here serve ops on whole images, written outside graph: the
// priors' stencils and powers, HOG's gradient and the optimiser's step.
// Those that set d may do the last block of eight twice, so d must not
// share memory with their inputs.

// Momentum is one heavy-ball step: mu[i] = m·mu[i] − s·g[i], then
// x[i] += mu[i].
func Momentum(x, mu, g []float32, m, s float32) {
	mu, g = mu[:len(x)], g[:len(x)]
	for i := momentumVec(x, mu, g, m, s); i < len(x); i++ {
		mu[i] = m*mu[i] - s*g[i]
		x[i] += mu[i]
	}
}

// AdaGrad is the IJCV update with momentum: acc ← rho·acc + g²,
// mu ← m·mu − g/(inv + √acc), x ← x + mu (inv = 1/lr), element by element
// in float32 (the square root and quotient correctly rounded, as the
// vector instructions give them).
func AdaGrad(x, mu, acc, g []float32, m, rho, inv float32) {
	mu, acc, g = mu[:len(x)], acc[:len(x)], g[:len(x)]
	for i := adaGradVec(x, mu, acc, g, m, rho, inv); i < len(x); i++ {
		acc[i] = rho*acc[i] + g[i]*g[i]
		mu[i] = m*mu[i] - g[i]/(inv+float32(math.Sqrt(float64(acc[i]))))
		x[i] += mu[i]
	}
}

// SumSqDiff is Σ (a[i] − b[i])² over i < len(a), in float32.
func SumSqDiff(a, b []float32) float32 {
	b = b[:len(a)]
	i, s := sumSqDiffVec(a, b)
	for ; i < len(a); i++ {
		v := a[i] - b[i]
		s += v * v
	}
	return s
}

// Laplace sets d[j] = c·(4x[j] − x[j−1] − x[j+1] − up[j] − down[j]) for
// 0 < j < len(d)−1, the five-point stencil of a row between the rows above
// and below it; d[0] and d[len(d)−1] are the caller's.
func Laplace(d, x, up, down []float32, c float32) {
	n := len(d)
	if n < 3 {
		return
	}
	x, up, down = x[:n], up[:n], down[:n]
	for j := 1 + laplaceVec(d[1:n-1], x, up[1:], down[1:], c); j < n-1; j++ {
		d[j] = c * (4*x[j] - x[j-1] - x[j+1] - up[j] - down[j])
	}
}

// SumPow6 is Σ x[i]⁶, each term and the sum in float64.
func SumPow6(x []float32) float64 {
	i, s := sumPow6Vec(x)
	for _, v := range x[i:] {
		v2 := float64(v) * float64(v)
		s += v2 * v2 * v2
	}
	return s
}

// ScaledPow5 sets d[i] = c·x[i]⁵.
func ScaledPow5(d, x []float32, c float32) {
	x = x[:len(d)]
	for i := scaledPow5Vec(d, x, c); i < len(d); i++ {
		v := x[i]
		v2 := v * v
		d[i] = c * v2 * v2 * v
	}
}

// ScaledDiff sets d[i] = (a[i] − b[i])·f.
func ScaledDiff(d, a, b []float32, f float32) {
	a, b = a[:len(d)], b[:len(d)]
	for i := scaledDiffVec(d, a, b, f); i < len(d); i++ {
		d[i] = (a[i] - b[i]) * f
	}
}

// ScaledDiffs sets d[i] = ((a[i] − b[i]) + (c[i] − e[i]))·f.
func ScaledDiffs(d, a, b, c, e []float32, f float32) {
	n := len(d)
	a, b, c, e = a[:n], b[:n], c[:n], e[:n]
	for i := scaledDiffsVec(d, a, b, c, e, f); i < n; i++ {
		d[i] = ((a[i] - b[i]) + (c[i] - e[i])) * f
	}
}

// Blend sets d[i] = a[i]·wa + b[i]·wb.
func Blend(d, a, b []float32, wa, wb float32) {
	a, b = a[:len(d)], b[:len(d)]
	for i := blendVec(d, a, b, wa, wb); i < len(d); i++ {
		d[i] = a[i]*wa + b[i]*wb
	}
}

// Mul sets d[i] = a[i]·b[i]; d may be a or b.
func Mul(d, a, b []float32) {
	a, b = a[:len(d)], b[:len(d)]
	for i := mulVec(d, a, b); i < len(d); i++ {
		d[i] = a[i] * b[i]
	}
}

// AddMul adds a[i]·b[i] to d[i].
func AddMul(d, a, b []float32) {
	a, b = a[:len(d)], b[:len(d)]
	for i := addMulVec(d, a, b); i < len(d); i++ {
		d[i] += a[i] * b[i]
	}
}

// MulSub sets d[i] = a[i]·b[i] − c[i]·e[i].
func MulSub(d, a, b, c, e []float32) {
	n := len(d)
	a, b, c, e = a[:n], b[:n], c[:n], e[:n]
	for i := mulSubVec(d, a, b, c, e); i < n; i++ {
		d[i] = a[i]*b[i] - c[i]*e[i]
	}
}
