//go:build !openblas

package graph

import "runtime"

// Implemented in gemv_amd64.s (AVX2 and FMA).
//
//go:noescape
func dotAVX(a, b *float32, n int) float32

//go:noescape
func axpyAVX(y, x *float32, alpha float32, n int)

// dotf32 is Σ a[i]·b[i] over len(a).
func dotf32(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	s := float32(0)
	i := n &^ 31
	if i > 0 {
		s = dotAVX(&a[0], &b[0], i)
	}
	for ; i < n; i++ {
		s += a[i] * b[i]
	}
	return s
}

// axpy sets y[i] += alpha·x[i] over len(y).
func axpy(y, x []float32, alpha float32) {
	n := len(y)
	x = x[:n]
	i := n &^ 15
	if i > 0 {
		axpyAVX(&y[0], &x[0], alpha, i)
	}
	for ; i < n; i++ {
		y[i] += alpha * x[i]
	}
}

// thinGemm is C = A·op(B) + beta·C (beta 0 or 1) for fewer than four rows
// of A, which the packed kernel's 4-row panels would mostly waste: a fully
// connected layer on one image is a matrix-vector product, bound by reading
// the weights once, so it runs as dot products (op(B) = Bᵀ, rows of B
// contiguous) or as row updates (op(B) = B), split between the cores by
// columns of C.
func thinGemm(tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	workers := runtime.GOMAXPROCS(0)
	const chunk = 256 // columns of C per task
	tasks := (n + chunk - 1) / chunk
	if workers > 1 && tasks < 2*workers {
		tasks = min(n, 2*workers)
	}
	ParallelFor(tasks, func(t int) {
		c0, c1 := t*n/tasks, (t+1)*n/tasks
		for i := 0; i < m; i++ {
			row := a[i*lda : i*lda+k]
			out := c[i*ldc+c0 : i*ldc+c1]
			if beta == 0 {
				clear(out)
			}
			if tB {
				for j := range out {
					out[j] += dotf32(row, b[(c0+j)*ldb:(c0+j)*ldb+k])
				}
				continue
			}
			for p, v := range row {
				if v != 0 {
					axpy(out, b[p*ldb+c0:p*ldb+c1], v)
				}
			}
		}
	})
}
