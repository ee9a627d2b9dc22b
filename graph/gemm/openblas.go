//go:build openblas

package gemm

// #cgo LDFLAGS: -lopenblas
// #include <cblas.h>
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/invrep/invrep/graph/parallel"
)

// OpenBLAS runs single-threaded: invrep splits the work itself (see
// openblasGemm), and calls products from several goroutines at once, where
// OpenBLAS's own threads competed with them.
func init() {
	C.openblas_set_num_threads(1)
	Best = OpenBLAS{}
	available = append(available, OpenBLAS{})
}

// OpenBLAS is the product of the cgo build (-tags openblas, libopenblas-dev).
type OpenBLAS struct{}

// Name implements Product.
func (OpenBLAS) Name() string { return "OpenBLAS (cgo)" }

// Mul implements Product.
func (OpenBLAS) Mul(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	openblasGemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// openblasGemm splits C's columns between the cores (inside a parallel.For,
// one block: the cores are busy), one OpenBLAS call per block.
func openblasGemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, cm []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	blocks := max(1, min(4*runtime.GOMAXPROCS(0), n/64))
	parallel.For(blocks, func(i int) {
		c0, c1 := i*n/blocks, (i+1)*n/blocks
		bs := b[c0:]
		if tB {
			bs = b[c0*ldb:]
		}
		openblasSgemm(tA, tB, m, c1-c0, k, a, lda, bs, ldb, beta, cm[c0:], ldc)
	})
}

func openblasSgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, cm []float32, ldc int) {
	ta, tb := C.CblasNoTrans, C.CblasNoTrans
	if tA {
		ta = C.CblasTrans
	}
	if tB {
		tb = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, uint32(ta), uint32(tb), C.blasint(m), C.blasint(n), C.blasint(k), 1,
		(*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&cm[0])), C.blasint(ldc))
}
