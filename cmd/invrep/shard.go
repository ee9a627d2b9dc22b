package main

import (
	"fmt"
	"strconv"
	"strings"
)

// parseShard reads --shard: I/N; env/N, whose I comes from the scheduler
// that started the process (a Kubernetes Indexed Job's
// $JOB_COMPLETION_INDEX, or a Slurm job array's task); or slurm, whose I
// and N both come from the Slurm array, so that one command line serves
// every task of `sbatch --array` with no arithmetic in the script.
func parseShard(v string, getenv func(string) string) (int, int, error) {
	if v == "slurm" {
		a, err := slurmArray(getenv)
		if err != nil {
			return 0, 0, usagef("--shard slurm: %v", err)
		}
		return a.index, a.count, nil
	}
	parts := strings.Split(v, "/")
	if len(parts) != 2 {
		return 0, 0, usagef("--shard %q: want I/N (e.g. 0/4), env/N or slurm", v)
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 1 {
		return 0, 0, usagef("--shard %q: want I/N with 0 ≤ I < N", v)
	}
	if parts[0] != "env" {
		i, err := strconv.Atoi(parts[0])
		if err != nil || i < 0 || i >= n {
			return 0, 0, usagef("--shard %q: want I/N with 0 ≤ I < N", v)
		}
		return i, n, nil
	}
	if idx := getenv("JOB_COMPLETION_INDEX"); idx != "" {
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 || i >= n {
			// The index comes from the Job, not the command line: show it.
			return 0, 0, usagef("--shard %q: $JOB_COMPLETION_INDEX is %q; want 0 ≤ I < %d (the Job's completions and N differ?)", v, idx, n)
		}
		return i, n, nil
	}
	if getenv("SLURM_ARRAY_TASK_ID") != "" {
		a, err := slurmArray(getenv)
		if err != nil {
			return 0, 0, usagef("--shard %q: %v", v, err)
		}
		if a.count != n {
			return 0, 0, usagef("--shard %q: the Slurm array %s has %d tasks, but N is %d: give --array=0-%d, or --shard slurm", v, a.spec, a.count, n, n-1)
		}
		return a.index, n, nil
	}
	return 0, 0, usagef("--shard %q: neither $JOB_COMPLETION_INDEX nor $SLURM_ARRAY_TASK_ID is set (run it in an Indexed Job or a Slurm job array, or give I/N)", v)
}

// slurmTask is this process's place in a Slurm job array.
type slurmTask struct {
	index, count int
	spec         string // the array as the message shows it, e.g. 1-8
}

// slurmArray reads the array task's position from the variables sbatch
// sets. Arrays may start anywhere (--array=1-8): the shard is the task's
// offset from the array's first task. Arrays with a step or a list of
// holes (--array=0-15:4, --array=1,5,9) have no offset a shard can use
// and are refused.
func slurmArray(getenv func(string) string) (slurmTask, error) {
	num := func(name string) (int, bool, error) {
		v := getenv(name)
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, true, fmt.Errorf("$%s is %q, not a task number", name, v)
		}
		return n, true, nil
	}
	id, ok, err := num("SLURM_ARRAY_TASK_ID")
	if err != nil {
		return slurmTask{}, err
	}
	if !ok {
		return slurmTask{}, fmt.Errorf("$SLURM_ARRAY_TASK_ID is not set: submit with sbatch --array=0-N")
	}
	lo, okLo, err1 := num("SLURM_ARRAY_TASK_MIN")
	hi, okHi, err2 := num("SLURM_ARRAY_TASK_MAX")
	count, okCount, err3 := num("SLURM_ARRAY_TASK_COUNT")
	step, okStep, err4 := num("SLURM_ARRAY_TASK_STEP")
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			return slurmTask{}, err
		}
	}
	if !okLo || !okHi {
		return slurmTask{}, fmt.Errorf("$SLURM_ARRAY_TASK_MIN and $SLURM_ARRAY_TASK_MAX are not set")
	}
	spec := strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
	if okStep && step != 1 {
		return slurmTask{}, fmt.Errorf("the array %s:%d has a step; shards need consecutive tasks (--array=%d-%d)", spec, step, lo, lo+(hi-lo)/max(step, 1))
	}
	if hi < lo || id < lo || id > hi {
		return slurmTask{}, fmt.Errorf("task %d is outside the array %s", id, spec)
	}
	if !okCount {
		count = hi - lo + 1
	}
	if count != hi-lo+1 {
		return slurmTask{}, fmt.Errorf("the array %s holds %d tasks, not every one between: shards need consecutive tasks", spec, count)
	}
	return slurmTask{index: id - lo, count: count, spec: spec}, nil
}
