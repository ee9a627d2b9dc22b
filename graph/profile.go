package graph

import (
	"sort"
	"sync"
	"time"
)

// OpTime is the time a program spent in one kind of op, forward or
// gradient, summed over its runs.
type OpTime struct {
	Op    string // the kernel, as it prints; "d" before it for its gradient
	Calls int
	Time  time.Duration
}

// profile collects OpTimes of the ops of one graph once enabled. Every op
// of the graph holds it, so timing costs one check per op when off.
type profile struct {
	mu    sync.Mutex
	on    bool
	times map[string]*OpTime
}

func (p *profile) enabled() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.on
}

func (p *profile) add(op string, since time.Time) {
	d := time.Since(since)
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.times[op]
	if t == nil {
		t = &OpTime{Op: op}
		p.times[op] = t
	}
	t.Calls++
	t.Time += d
}

// EnableProfile makes the program time every op it runs from now on.
func (p *Program) EnableProfile() {
	p.g.prof.mu.Lock()
	defer p.g.prof.mu.Unlock()
	p.g.prof.on = true
	if p.g.prof.times == nil {
		p.g.prof.times = map[string]*OpTime{}
	}
}

// Profile returns the time spent per kind of op since EnableProfile, the
// longest first.
func (p *Program) Profile() []OpTime {
	p.g.prof.mu.Lock()
	defer p.g.prof.mu.Unlock()
	out := make([]OpTime, 0, len(p.g.prof.times))
	for _, t := range p.g.prof.times {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Time != out[j].Time {
			return out[i].Time > out[j].Time
		}
		return out[i].Op < out[j].Op
	})
	return out
}
