package parallel

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFor runs every item exactly once, from several goroutines at
// once, with nested calls, and again after the helpers have gone to sleep.
func TestFor(t *testing.T) {
	check := func(n int) {
		counts := make([]atomic.Int32, n)
		For(n, func(i int) {
			counts[i].Add(1)
			if i%7 == 0 {
				inner := make([]atomic.Int32, 5)
				For(5, func(k int) { inner[k].Add(1) })
				for k := range inner {
					if inner[k].Load() != 1 {
						t.Errorf("nested item %d ran %d times", k, inner[k].Load())
					}
				}
			}
		})
		for i := range counts {
			if c := counts[i].Load(); c != 1 {
				t.Errorf("n=%d: item %d ran %d times", n, i, c)
			}
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range []int{0, 1, 2, 3, 17, 1000} {
				check(n)
			}
		}()
	}
	wg.Wait()
	time.Sleep(2 * spinFor) // the helpers sleep now
	check(100)
}
