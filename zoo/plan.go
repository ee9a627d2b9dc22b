package zoo

import (
	"context"
	"fmt"
	"image/png"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
)

// Probe is the measured cost of the runs of one (model, layer) of a sweep:
// a run as the sweep makes it, timed over a few iterations.
type Probe struct {
	Model, Layer string
	// Runs is the number of the layer's runs in the whole sweep (every
	// shard); Iters the iterations of each.
	Runs, Iters int
	// MsPerIter is the median iteration; Setup the rest of a run (the
	// photo, the target, the first iteration's warm-up, the image metrics
	// and the pictures), in seconds.
	MsPerIter, Setup float64
	// PeakBytes is the process's peak resident memory during the run
	// (0 where the system does not say): what one task of one worker
	// needs.
	PeakBytes int64
}

// RunSeconds is the estimated wall time of one run.
func (p Probe) RunSeconds() float64 { return p.Setup + float64(p.Iters)*p.MsPerIter/1000 }

// Probe times iters iterations of the first run of layer l (on the
// sweep's first photo) exactly as the sweep would run it, without writing
// anything, and counts the layer's runs.
func (c SweepConfig) Probe(ctx context.Context, l SweepLayer, iters int) (Probe, error) {
	p := Probe{Model: c.Model, Layer: l.Name, Iters: c.Iters}
	var first *Run
	for _, r := range c.AllRuns() {
		if r.Layer.Name == l.Name {
			if first == nil {
				r := r
				first = &r
			}
			p.Runs++
		}
	}
	if first == nil {
		return p, fmt.Errorf("layer %s has no runs in the sweep", l.Name)
	}
	debug.FreeOSMemory() // what earlier probes left is not this one's peak
	resetPeak()
	t0 := time.Now()
	var ms float64
	if first.Visualize != "" {
		job, _ := c.visualizeJob(*first, iters)
		res, err := job.Run(ctx)
		if err != nil {
			return p, err
		}
		ms, p.Iters = res.MsPerIter, c.Visualize.Steps
	} else {
		im, err := pixels.Load(first.Image)
		if err != nil {
			return p, err
		}
		sched, err := invert.CNNSchedule.Scaled(iters)
		if err != nil {
			return p, err
		}
		res, err := c.job(*first, im, sched, iters).Run(ctx)
		if err != nil {
			return p, err
		}
		ms = res.MsPerIter
		// What a run does after its iterations costs too: the image
		// metrics and the pictures (encoded, not written).
		if _, err := res.Fidelity(); err != nil {
			return p, err
		}
		tiles, err := res.Tiles(true)
		if err != nil {
			return p, err
		}
		for _, t := range tiles {
			if err := png.Encode(io.Discard, t); err != nil {
				return p, err
			}
		}
	}
	wall := time.Since(t0).Seconds()
	p.MsPerIter = ms
	p.Setup = max(0, wall-float64(iters)*ms/1000)
	p.PeakBytes = peakRSS()
	return p, nil
}

// Array is a sweep's split into a job array: how many tasks, and the
// longest task's estimated time.
type Array struct {
	Tasks   int
	Longest float64 // seconds
	// Fits says whether the longest task is within the target (false when
	// one run alone is longer).
	Fits bool
}

// RunCosts lists the estimated seconds of every run of the configurations
// in the sweep's global order (the order shards are dealt from), from the
// probes of their layers.
func RunCosts(cfgs []SweepConfig, probes []Probe) ([]float64, error) {
	cost := map[[2]string]float64{}
	for _, p := range probes {
		cost[[2]string{p.Model, p.Layer}] = p.RunSeconds()
	}
	var out []float64
	for _, c := range cfgs {
		for _, r := range c.AllRuns() {
			s, ok := cost[[2]string{c.Model, r.Layer.Name}]
			if !ok {
				return nil, fmt.Errorf("no timing for %s at %s", c.Model, r.Layer.Name)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// Longest is the estimated time of the slowest of n tasks, each running
// every n-th run as --shard deals them.
func Longest(costs []float64, n int) float64 {
	task := make([]float64, n)
	for i, s := range costs {
		task[i%n] += s
	}
	longest := 0.0
	for _, t := range task {
		longest = max(longest, t)
	}
	return longest
}

// SizeArray finds the fewest tasks whose slowest ends within the target.
func SizeArray(costs []float64, within time.Duration) Array {
	if len(costs) == 0 {
		return Array{Tasks: 1, Fits: true}
	}
	// Not a binary search: dealt round-robin, runs of unequal cost can make
	// n+1 tasks slower than n (5,1,5,1,5,1: 6 s the slowest of three, 10 s
	// of four).
	for n := 1; n <= len(costs); n++ {
		if l := Longest(costs, n); l <= within.Seconds() {
			return Array{Tasks: n, Longest: l, Fits: true}
		}
	}
	return Array{Tasks: len(costs), Longest: Longest(costs, len(costs))}
}

// resetPeak restarts the kernel's count of the process's peak resident
// memory (Linux: 5 to /proc/self/clear_refs); elsewhere it does nothing.
func resetPeak() {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS is the process's peak resident memory since resetPeak, in
// bytes (VmHWM), or 0 where the system does not say.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 0
}
