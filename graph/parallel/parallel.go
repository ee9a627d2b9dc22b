// Package parallel runs independent work items on all cores, on a pool of
// long-lived helpers: the kernels of the numeric core, the matrix product
// and the handcrafted representations share it.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// For runs f(i) for i in [0, n) on the calling goroutine and the
// pool's helpers, GOMAXPROCS in all, handing out items in small chunks to
// whoever is free. Work items must be independent. A For inside
// another runs in the calling goroutine: the cores are already busy.
//
// The helpers are long-lived and, between jobs, spin for a while before
// they sleep. An inversion runs a hundred
// ops per iteration, many of them well under a millisecond; starting
// goroutines for each had a sleeping thread woken every time, which on
// this project's virtual machines took longer than many of the ops.
func For(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || !helpers.busy.CompareAndSwap(false, true) {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	defer helpers.busy.Store(false)
	j := &job{f: f, n: int64(n), chunk: int64(max(1, n/(8*workers)))}
	j.pending.Store(int64(n))
	helpers.start(workers - 1)
	helpers.publish(j)
	j.run()
	// Wait for the helpers' last chunks without sleeping: a goroutine that
	// sleeps may wake on a helper's processor and share it with the helper.
	for spins := 0; j.pending.Load() != 0; spins++ {
		if spins%1024 == 1023 {
			runtime.Gosched()
		}
	}
}

// job is one For call.
type job struct {
	f        func(int)
	n, chunk int64
	next     atomic.Int64 // first item not yet handed out
	pending  atomic.Int64 // items not yet finished
}

// run takes chunks until none are left.
func (j *job) run() {
	for {
		lo := j.next.Add(j.chunk) - j.chunk
		if lo >= j.n {
			return
		}
		hi := min(lo+j.chunk, j.n)
		for i := lo; i < hi; i++ {
			j.f(int(i))
		}
		j.pending.Add(lo - hi)
	}
}

// workerPool is the helpers of For.
type workerPool struct {
	busy    atomic.Bool // a For is running
	mu      sync.Mutex
	helpers []*helper
	current atomic.Pointer[job]
	gen     atomic.Uint64 // counts published jobs
}

var helpers workerPool

// spinFor is how long an idle helper looks for the next job before it
// sleeps: longer than most serial stretches between ops of an iteration.
// It spins without yielding: a yielding helper can be rescheduled on the
// caller's processor and leave the other idle.
const spinFor = 500 * time.Microsecond

type helper struct {
	parked atomic.Bool
	wake   chan struct{}
}

// start makes sure n helpers exist.
func (p *workerPool) start(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.helpers) < n {
		h := &helper{wake: make(chan struct{}, 1)}
		p.helpers = append(p.helpers, h)
		go h.loop(p, p.gen.Load())
	}
}

// publish hands j to the helpers and wakes those asleep.
func (p *workerPool) publish(j *job) {
	p.current.Store(j)
	p.gen.Add(1)
	p.mu.Lock()
	hs := p.helpers
	p.mu.Unlock()
	for _, h := range hs {
		if h.parked.CompareAndSwap(true, false) {
			h.wake <- struct{}{}
		}
	}
}

func (h *helper) loop(p *workerPool, seen uint64) {
	for {
		seen = h.await(p, seen)
		if j := p.current.Load(); j != nil {
			j.run()
		}
	}
}

// await returns once a job after seen is published: it spins, then
// sleeps until woken.
func (h *helper) await(p *workerPool, seen uint64) uint64 {
	deadline := time.Now().Add(spinFor)
	for spins := 0; ; spins++ {
		if g := p.gen.Load(); g != seen {
			return g
		}
		if spins%256 == 255 && time.Now().After(deadline) {
			break
		}
	}
	h.parked.Store(true)
	if g := p.gen.Load(); g != seen {
		if !h.parked.CompareAndSwap(true, false) {
			<-h.wake // publish saw us parked and sent a token
		}
		return g
	}
	<-h.wake
	return p.gen.Load()
}
