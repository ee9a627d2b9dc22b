package gemm

import (
	"fmt"
	"testing"
)

func BenchmarkTmpShapes(b *testing.B) {
	for _, s := range [][3]int{{384, 169, 2304}, {32, 196, 1152}, {128, 3136, 256}, {384, 49, 256}, {256, 196, 2304}, {64, 3136, 576}} {
		m, n, k := s[0], s[1], s[2]
		a, bb, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for i := range a {
			a[i] = float32(i % 7)
		}
		for i := range bb {
			bb[i] = float32(i % 5)
		}
		ap := Best.(Packer).PackA(false, m, k, a, k)
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Best.(Packer).MulPacked(ap, m, n, k, bb, n, 0, c, n, Epilogue{})
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
