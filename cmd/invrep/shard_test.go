package main

import (
	"strings"
	"testing"
)

// TestParseShard: the shard from the command line, a Kubernetes Indexed
// Job and a Slurm job array (as sbatch sets its variables), and each
// mismatch named.
func TestParseShard(t *testing.T) {
	array := func(id, lo, hi, count string) map[string]string {
		env := map[string]string{"SLURM_ARRAY_TASK_ID": id, "SLURM_ARRAY_TASK_MIN": lo, "SLURM_ARRAY_TASK_MAX": hi}
		if count != "" {
			env["SLURM_ARRAY_TASK_COUNT"] = count
		}
		return env
	}
	for _, c := range []struct {
		spec string
		env  map[string]string
		i, n int
		want string // part of the error; "" when it parses
	}{
		{"2/4", nil, 2, 4, ""},
		{"4/4", nil, 0, 0, "0 ≤ I < N"},
		{"x/4", nil, 0, 0, "0 ≤ I < N"},
		{"1", nil, 0, 0, "want I/N"},
		{"env/3", map[string]string{"JOB_COMPLETION_INDEX": "2"}, 2, 3, ""},
		{"env/2", map[string]string{"JOB_COMPLETION_INDEX": "5"}, 0, 0, `$JOB_COMPLETION_INDEX is "5"`},
		{"env/4", array("3", "0", "3", "4"), 3, 4, ""},
		{"env/4", array("5", "2", "5", "4"), 3, 4, ""}, // --array=2-5
		{"env/4", array("1", "0", "7", "8"), 0, 0, "the Slurm array 0-7 has 8 tasks, but N is 4"},
		{"env/4", nil, 0, 0, "neither $JOB_COMPLETION_INDEX nor $SLURM_ARRAY_TASK_ID"},
		{"slurm", array("6", "0", "7", "8"), 6, 8, ""},
		{"slurm", array("6", "0", "7", ""), 6, 8, ""}, // no COUNT: from MIN and MAX
		{"slurm", array("1", "1", "8", "8"), 0, 8, ""},
		{"slurm", nil, 0, 0, "$SLURM_ARRAY_TASK_ID is not set"},
		{"slurm", array("5", "1", "9", "3"), 0, 0, "holds 3 tasks"}, // --array=1,5,9
		{"slurm", map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "12", "SLURM_ARRAY_TASK_STEP": "4"}, 0, 0, "has a step"},
		{"slurm", array("9", "0", "7", "8"), 0, 0, "outside the array"},
		{"slurm", array("x", "0", "7", "8"), 0, 0, "not a task number"},
		{"slurm", map[string]string{"SLURM_ARRAY_TASK_ID": "1"}, 0, 0, "MIN"},
	} {
		i, n, err := parseShard(c.spec, func(k string) string { return c.env[k] })
		switch {
		case c.want == "" && (err != nil || i != c.i || n != c.n):
			t.Errorf("--shard %s %v: %d/%d, %v; want %d/%d", c.spec, c.env, i, n, err, c.i, c.n)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("--shard %s %v: error %v, want one saying %q", c.spec, c.env, err, c.want)
		}
	}
}
