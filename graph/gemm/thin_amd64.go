//go:build !openblas

package gemm

import (
	"runtime"

	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// thinGemm is C = A·op(B) + beta·C (beta 0 or 1) for fewer than mr rows
// of A, which the packed kernel's 6-row panels would mostly waste: a fully
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
	parallel.For(tasks, func(t int) {
		c0, c1 := t*n/tasks, (t+1)*n/tasks
		for i := 0; i < m; i++ {
			row := a[i*lda : i*lda+k]
			out := c[i*ldc+c0 : i*ldc+c1]
			if beta == 0 {
				clear(out)
			}
			if tB {
				for j := range out {
					out[j] += vec.Dot(row, b[(c0+j)*ldb:(c0+j)*ldb+k])
				}
				continue
			}
			for p, v := range row {
				if v != 0 {
					vec.Axpy(out, b[p*ldb+c0:p*ldb+c1], v)
				}
			}
		}
	})
}
