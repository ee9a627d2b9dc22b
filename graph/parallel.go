package graph

import (
	"runtime"
	"sync"
)

// ParallelFor runs f(i) for i in [0, n) on up to GOMAXPROCS goroutines, in
// contiguous chunks. Work items must be independent.
func ParallelFor(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := start; i < end; i++ {
				f(i)
			}
		}()
	}
	wg.Wait()
}
