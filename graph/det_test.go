package graph

import "testing"

// TestDet: determinants of 1×1, 2×2 and 3×3 matrices against their
// formulas, with the gradient (the cofactors) by finite differences.
func TestDet(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		ref := func(in []float64) []float64 {
			var out []float64
			for b := 0; b < 2; b++ {
				a := in[b*n*n:]
				switch n {
				case 1:
					out = append(out, a[0])
				case 2:
					out = append(out, a[0]*a[3]-a[1]*a[2])
				case 3:
					out = append(out, a[0]*(a[4]*a[8]-a[5]*a[7])-a[1]*(a[3]*a[8]-a[5]*a[6])+a[2]*(a[3]*a[7]-a[4]*a[6]))
				}
			}
			return out
		}
		runOpCase(t, opCase{name: "Det", in: []int{2, n, n}, ref: ref, build: Det})
	}
}
