//go:build !openblas

package graph

import "testing"

// BenchmarkKernelPeak runs the matrix product's micro-kernel on one core
// with everything in L1: the ceiling the convolutions' GFLOP/s compare to.
func BenchmarkKernelPeak(b *testing.B) {
	a, bp, c := make([]float32, mr*kc), make([]float32, nr*kc), make([]float32, mr*nr)
	for i := 0; i < b.N; i++ {
		kernel6x16(kc, &a[0], &bp[0], &c[0], nr, nr, true)
	}
	b.ReportMetric(float64(2*mr*nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
