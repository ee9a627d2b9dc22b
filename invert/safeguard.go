package invert

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

// safeguard keeps the lowest-energy images and, when a step makes the
// energy NaN or Inf or more than Growth times that lowest (the authors'
// fixed steps diverge where ‖Φ0‖ is small), returns to them, clears the
// momentum and halves the rate. Converging runs never rise tenfold above
// their best, so they keep the authors' trajectory exactly.
type safeguard struct {
	on          bool
	best, bestG *graph.Tensor
	bestE       float64 // energy of best, the lowest so far
	bestTerms   []float64
	have        bool
	scale       float64 // the rate's factor: halved at each backtrack
	backtracks  int
}

func newSafeguard(shape []int, on bool) *safeguard {
	return &safeguard{on: on, best: graph.NewTensor(shape...), bestG: graph.NewTensor(shape...), bestE: math.Inf(1), scale: 1}
}

// check judges the step just evaluated (energy e, terms ts, r.img and
// r.grad). It returns the energy and terms to record, and keep = false
// with the divergence error when the run must stop; on a backtrack r.img
// and r.grad are back at the best iterate.
func (s *safeguard) check(t int, e float64, ts []float64, r *inversion) (float64, []float64, bool, error) {
	// A NaN gradient with a finite energy (a NaN weight behind a Relu
	// that zeroes it forward) would send the images to NaN: a bad step as
	// much as a NaN energy.
	_, gv, gradBad := firstNonFinite(r.grad)
	if gradBad {
		e = math.NaN()
	}
	// The growth test needs a positive best: energies of maximisation are
	// negative, and only a non-finite one is a divergence there.
	if !finite(e) || (s.on && s.bestE > 0 && e > Growth*s.bestE) {
		if !s.on || !s.have || s.backtracks >= maxBacktracks {
			if s.have {
				r.img = s.best
			}
			err := divergence(t, e, ts, r.res.TermNames)
			if gradBad {
				err = fmt.Errorf("%w at iteration %d: the gradient holds %v; the lowest-energy images so far are kept", ErrDiverged, t+1, gv)
			}
			return e, ts, false, err
		}
		// Undo: back to the best iterate, no momentum, half the step.
		s.backtracks++
		copyBands(r.img.Data, s.best.Data)
		copyBands(r.grad.Data, s.bestG.Data)
		e, ts = s.bestE, s.bestTerms
		s.scale /= 2
		r.opt.Reset()
	}
	if e < s.bestE {
		copyBands(s.best.Data, r.img.Data)
		copyBands(s.bestG.Data, r.grad.Data)
		s.bestE, s.bestTerms, s.have = e, ts, true
	}
	return e, ts, true, nil
}
