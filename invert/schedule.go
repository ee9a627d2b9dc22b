package invert

import "fmt"

// Stage is a run of iterations at one learning rate.
type Stage struct {
	Iters int
	LR    float64
}

// Schedule is a sequence of stages.
type Schedule []Stage

// CNNSchedule is the authors' schedule for CNN inversion: 100 iterations at
// 0.004, 200 at 0.0004 and 100 at 0.00004.
var CNNSchedule = Schedule{{100, 0.004}, {200, 0.0004}, {100, 0.00004}}

// ShallowSchedule is the authors' schedule for HOG and DSIFT: 200
// iterations at each of 0.004, 0.0004, 0.00004 and 0.000004.
var ShallowSchedule = Schedule{{200, 4e-3}, {200, 4e-4}, {200, 4e-5}, {200, 4e-6}}

// Iters is the schedule's total number of iterations.
func (s Schedule) Iters() int {
	n := 0
	for _, st := range s {
		n += st.Iters
	}
	return n
}

// Scaled stretches the schedule to n iterations keeping the stages'
// proportions (1:2:1 for CNNSchedule); every stage keeps at least one.
func (s Schedule) Scaled(n int) (Schedule, error) {
	total := s.Iters()
	if n < len(s) {
		return nil, fmt.Errorf("%d iterations are fewer than the schedule's %d stages", n, len(s))
	}
	out := make(Schedule, len(s))
	used, acc := 0, 0
	for i, st := range s {
		acc += st.Iters
		end := (acc*n + total/2) / total
		if i == len(s)-1 {
			end = n
		}
		k := max(end-used, 1)
		out[i] = Stage{Iters: k, LR: st.LR}
		used += k
	}
	// Rounding up to one iteration per stage may overshoot: trim the longest.
	for used > n {
		j := 0
		for i := range out {
			if out[i].Iters > out[j].Iters {
				j = i
			}
		}
		out[j].Iters--
		used--
	}
	return out, nil
}

// LR returns the learning rate of iteration t (0-based).
func (s Schedule) LR(t int) float64 {
	for _, st := range s {
		if t < st.Iters {
			return st.LR
		}
		t -= st.Iters
	}
	return s[len(s)-1].LR
}
