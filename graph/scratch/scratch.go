// Package scratch lends the float32 work buffers of the numeric core (a
// convolution's columns, a product's packed panels) from one process-wide
// free list. A buffer goes to whichever kernel runs next, so memory is
// what the busiest moment needs, not the sum over every op that ever ran:
// kept per convolution, DenseNet-121's columns alone held 117 MB. Unlike
// a sync.Pool, the list survives garbage collections, which had each
// product allocate its panels again.
package scratch

import (
	"slices"
	"sync"
)

var (
	mu   sync.Mutex
	free [][]float32 // by capacity, smallest first
)

// Take returns a buffer of n floats with arbitrary contents: the smallest
// free one that holds n and is at most twice as large, or a new one. The
// bound keeps a large buffer for large requests: handed to a small value
// that the tape holds for a whole step, a 537 MB Winograd buffer was lost
// to the next Winograd convolution, which allocated another (a 1024²
// U-Net's step held 8 GB of such buffers).
func Take(n int) []float32 {
	mu.Lock()
	i, _ := slices.BinarySearchFunc(free, n, func(b []float32, n int) int { return cap(b) - n })
	if i < len(free) && (cap(free[i]) <= 2*n || cap(free[i]) < 1<<16) {
		b := free[i]
		free = slices.Delete(free, i, i+1)
		mu.Unlock()
		return b[:n]
	}
	mu.Unlock()
	return make([]float32, n)
}

// Give returns a buffer from Take for reuse; b is not used after.
func Give(b []float32) {
	if cap(b) == 0 {
		return
	}
	mu.Lock()
	i, _ := slices.BinarySearchFunc(free, cap(b), func(f []float32, n int) int { return cap(f) - n })
	free = slices.Insert(free, i, b[:0])
	mu.Unlock()
}
