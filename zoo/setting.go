package zoo

import (
	"fmt"
	"sort"
)

// Setting is what the runs of a sweep share besides the model, layer,
// photo and weight: results of two settings are never averaged together,
// and every file name of a run carries its setting.
type Setting struct {
	Method  string // "CVPR" or "IJCV"
	Iters   int
	Seed    int64
	Repeats int // starts optimised together, at least 1
}

// Setting is the run's setting.
func (r Result) Setting() Setting {
	m := "CVPR"
	if r.Method == "ijcv" {
		m = "IJCV"
	}
	return Setting{Method: m, Iters: r.Iters, Seed: r.Seed, Repeats: max(r.Repeats, len(r.RelErrors), 1)}
}

// runs describes the iterations, seed and starts, for labels.
func (s Setting) runs() string {
	t := fmt.Sprintf("%d iterations, seed %d", s.Iters, s.Seed)
	if s.Repeats > 1 {
		t += fmt.Sprintf(", %d starts", s.Repeats)
	}
	return t
}

// String is the whole setting, for notes.
func (s Setting) String() string { return s.Method + ", " + s.runs() }

// tag is the setting in a file name.
func (s Setting) tag() string {
	t := fmt.Sprintf("%s__it%d__seed%d", map[string]string{"CVPR": "cvpr", "IJCV": "ijcv"}[s.Method], s.Iters, s.Seed)
	if s.Repeats > 1 {
		t += fmt.Sprintf("__x%d", s.Repeats)
	}
	return t
}

func (s Setting) less(o Setting) bool {
	switch {
	case s.Method != o.Method:
		return s.Method < o.Method
	case s.Iters != o.Iters:
		return s.Iters < o.Iters
	case s.Seed != o.Seed:
		return s.Seed < o.Seed
	}
	return s.Repeats < o.Repeats
}

// settingsOf lists the distinct settings of results, ordered.
func settingsOf(results []Result) []Setting {
	seen := map[Setting]bool{}
	var out []Setting
	for _, r := range results {
		if s := r.Setting(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].less(out[j]) })
	return out
}

// weight orders a run's weight among its layer's.
func (r Result) weight() float64 {
	if r.C > 0 {
		return r.C
	}
	return r.TV
}

// weightLabel is the run's weight as a tile shows it.
func (r Result) weightLabel() string {
	if r.C > 0 {
		return fmt.Sprintf("C %g", r.C)
	}
	return fmt.Sprintf("λ %g", r.TV)
}
