package testenv

import (
	"math"
	"testing"
)

// FiniteDiff checks an analytic gradient against central differences of a
// float64 restatement of the function: the one finite-difference check the
// packages' gradient tests share.
type FiniteDiff struct {
	H        float64 // step
	Relative bool    // step H·max(1, |x_i|) instead of H
	Floor    float64 // least gradient scale the tolerance is relative to
	Tol      float64 // allowed |grad − fd| as a fraction of the largest |fd|
}

// Check fails t when grad, the analytic gradient of f at x, differs from
// the central differences of f. x is restored before returning.
func (c FiniteDiff) Check(t testing.TB, name string, grad []float32, f func([]float64) float64, x []float64) {
	t.Helper()
	if len(grad) != len(x) {
		t.Fatalf("%s: gradient has %d values, input %d", name, len(grad), len(x))
	}
	scale := c.Floor
	fd := make([]float64, len(x))
	for i := range x {
		h := c.H
		if c.Relative {
			h *= math.Max(1, math.Abs(x[i]))
		}
		old := x[i]
		x[i] = old + h
		lp := f(x)
		x[i] = old - h
		lm := f(x)
		x[i] = old
		fd[i] = (lp - lm) / (2 * h)
		scale = math.Max(scale, math.Abs(fd[i]))
	}
	for i := range fd {
		if math.Abs(float64(grad[i])-fd[i]) > c.Tol*scale {
			t.Fatalf("%s: grad[%d] = %g, finite difference %g", name, i, grad[i], fd[i])
		}
	}
}
