package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/invrep/invrep/zoo"
)

// planSettings are sweep --plan's own flags.
type planSettings struct {
	within time.Duration
	// cpus are one task's CPUs: the timing runs on as many threads.
	cpus int
	// probe is the number of iterations timed per (model, layer).
	probe int
	// shards is --shard's N, the array size when no --within is given.
	shards int
}

// printPlan times each (model, layer) of the sweep and prints what the
// whole sweep will take and how to split it into a job array.
func printPlan(out io.Writer, cfgs []zoo.SweepConfig, s planSettings) error {
	t0 := time.Now()
	if s.cpus <= 0 {
		s.cpus = runtime.GOMAXPROCS(0)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(s.cpus))
	ctx, stop := signalContext()
	defer stop()
	var probes []zoo.Probe
	for _, c := range cfgs {
		for _, l := range c.Layers {
			p, err := c.Probe(ctx, l, s.probe)
			if err != nil {
				return fmt.Errorf("timing %s at %s: %w", c.Model, l.Name, err)
			}
			probes = append(probes, p)
		}
	}
	costs, err := zoo.RunCosts(cfgs, probes)
	if err != nil {
		return err
	}
	total := 0.0
	for _, c := range costs {
		total += c
	}
	var peak int64
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tlayer\truns\titers\tms/iter\tset-up s\ts/run\tmemory\t")
	for _, p := range probes {
		peak = max(peak, p.PeakBytes)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f\t%.2f\t%.1f\t%s\t\n", p.Model, p.Layer, p.Runs, p.Iters, p.MsPerIter, p.Setup, p.RunSeconds(), mib(p.PeakBytes))
	}
	tw.Flush()
	fmt.Fprintf(out, "\n%d runs, %.2f core-hours (%s of wall time on one task of %d CPUs; timed over %d iterations per layer)\n",
		len(costs), total*float64(s.cpus)/3600, hms(total), s.cpus, s.probe)
	arr := zoo.Array{Tasks: s.shards, Longest: zoo.Longest(costs, s.shards), Fits: true}
	if s.within > 0 {
		arr = zoo.SizeArray(costs, s.within)
		if arr.Fits {
			fmt.Fprintf(out, "within %s: %d tasks, the longest %s\n", s.within, arr.Tasks, hms(arr.Longest))
		} else {
			fmt.Fprintf(out, "within %s: not possible, one run alone takes longer; %d tasks (one run each), the longest %s\n", s.within, arr.Tasks, hms(arr.Longest))
		}
	} else {
		fmt.Fprintf(out, "as %d tasks (--shard N; --within T sizes the array): the longest %s\n", arr.Tasks, hms(arr.Longest))
	}
	// A margin over the estimate: a fifth, and two minutes for the start
	// and the minute's warning before the limit (--signal=B:TERM@60).
	limit := arr.Longest*1.2 + 120
	// Twice the probes' peak: Go's collector lets the heap grow to twice
	// what is live between collections, which a sweep's steady state
	// reaches and a few iterations may not (measured: a 3-model sweep
	// peaked at 1.5 times its probes' 194 MiB).
	mem := int64(math.Ceil(float64(peak)*2/(100<<20))) * 100
	fmt.Fprintf(out, "\nSlurm (zoo/sweep-array.sbatch; the sweep with --shard slurm --workers 1):\n")
	fmt.Fprintf(out, "#SBATCH --array=0-%d\n#SBATCH --cpus-per-task=%d\n#SBATCH --mem=%dM\n#SBATCH --time=%s\n", arr.Tasks-1, s.cpus, mem, slurmTime(limit))
	fmt.Fprintf(out, "\nKubernetes (zoo/sweep-job.yaml; --shard env/%d):\n", arr.Tasks)
	fmt.Fprintf(out, "completions: %d\nparallelism: %d\nresources: {requests: {cpu: \"%d\", memory: %dMi}}\n", arr.Tasks, arr.Tasks, s.cpus, mem)
	fmt.Fprintf(out, "\n(planned in %.1f s)\n", time.Since(t0).Seconds())
	return nil
}

// mib writes bytes in MiB, or "?" where unknown.
func mib(b int64) string {
	if b <= 0 {
		return "?"
	}
	return fmt.Sprintf("%d MiB", (b+1<<20-1)>>20)
}

// hms writes seconds as 1h02m03s.
func hms(s float64) string {
	return (time.Duration(math.Ceil(s)) * time.Second).String()
}

// slurmTime writes seconds as Slurm's D-HH:MM:SS, rounded up to minutes.
func slurmTime(s float64) string {
	m := int(math.Ceil(s / 60))
	return fmt.Sprintf("%d-%02d:%02d:00", m/(24*60), m/60%24, m%60)
}
