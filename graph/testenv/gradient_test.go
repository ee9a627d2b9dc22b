package testenv

import "testing"

// fakeT records a failure instead of stopping the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }

// TestFiniteDiff: the right gradient of Σ x_i³ passes, a wrong one fails.
func TestFiniteDiff(t *testing.T) {
	f := func(x []float64) float64 {
		s := 0.0
		for _, v := range x {
			s += v * v * v
		}
		return s
	}
	x := []float64{0.5, -1.5, 2}
	right := []float32{0.75, 6.75, 12}
	wrong := []float32{0.75, 6.75, 12.1}
	c := FiniteDiff{H: 1e-6, Relative: true, Tol: 1e-4}
	ok := &fakeT{TB: t}
	c.Check(ok, "right", right, f, x)
	bad := &fakeT{TB: t}
	c.Check(bad, "wrong", wrong, f, x)
	if ok.failed || !bad.failed {
		t.Fatalf("right gradient failed: %v; wrong gradient failed: %v", ok.failed, bad.failed)
	}
	if x[0] != 0.5 || x[1] != -1.5 || x[2] != 2 {
		t.Fatalf("x not restored: %v", x)
	}
}
