//go:build openblas

package graph

// #cgo LDFLAGS: -lopenblas
// #include <cblas.h>
import "C"

import "unsafe"

const gemmTag = "openblas"

func init() { gemm, gemmName = openblasGemm, "OpenBLAS (cgo)" }

func openblasGemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, cm []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
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
