package invert

import (
	"fmt"
	"math"
)

// Normalized is the paper's normalised reconstruction error over a set of
// images (SPEC §5): each image's ‖Φ(x*_i) − Φ(x_i)‖² divided by N_Φ, the
// mean squared distance between the images' codes over all ordered pairs.
type Normalized struct {
	Errors    []float64 // per image, in percent
	Mean, Std float64   // of Errors, Std with N−1
	NPhi      float64
}

// NormalizedErrors computes the errors from each image's squared feature
// error sq[i] and its code targets[i]; codes of different lengths are
// zero-padded to the longest (as the authors' code compares y(:) vectors).
// It needs two images or more, whose codes are not all identical.
func NormalizedErrors(sq []float64, targets [][]float64) (Normalized, error) {
	n := len(targets)
	if n < 2 || len(sq) != n {
		return Normalized{}, fmt.Errorf("normalised error needs two images or more with one squared error each (have %d codes, %d errors)", n, len(sq))
	}
	longest := 0
	for _, t := range targets {
		longest = max(longest, len(t))
	}
	at := func(v []float64, k int) float64 {
		if k < len(v) {
			return v[k]
		}
		return 0
	}
	nphi := 0.0
	for i := range targets {
		for j := range targets {
			s := 0.0
			for k := 0; k < longest; k++ {
				d := at(targets[i], k) - at(targets[j], k)
				s += d * d
			}
			nphi += s
		}
	}
	nphi /= float64(n * n)
	if !(nphi > 0) || math.IsInf(nphi, 0) {
		return Normalized{NPhi: nphi}, fmt.Errorf("the %d images' codes are identical (N_Φ = %g), so the normalised error is undefined", n, nphi)
	}
	r := Normalized{Errors: make([]float64, n), NPhi: nphi}
	for i := range sq {
		r.Errors[i] = 100 * sq[i] / nphi
		r.Mean += r.Errors[i] / float64(n)
	}
	v := 0.0
	for _, x := range r.Errors {
		v += (x - r.Mean) * (x - r.Mean)
	}
	r.Std = math.Sqrt(v / float64(n-1))
	return r, nil
}
