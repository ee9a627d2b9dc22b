//go:build !openblas

package gemm

import (
	"fmt"
	"testing"

	"golang.org/x/sys/cpu"
)

// BenchmarkKernelPeak runs each of the matrix product's micro-kernels that
// the CPU has on one core with everything in L1: the ceiling the
// convolutions' GFLOP/s compare to.
func BenchmarkKernelPeak(b *testing.B) {
	for _, kern := range kernels() {
		b.Run(fmt.Sprintf("6x%d", kern.nr), func(b *testing.B) {
			nr := kern.nr
			a, bp, c := make([]float32, mr*kc), make([]float32, nr*kc), make([]float32, mr*nr)
			for i := 0; i < b.N; i++ {
				kern.fn(kc, &a[0], &bp[0], &c[0], nr, nr, addC, nil)
			}
			b.ReportMetric(float64(2*mr*nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// kernels are the micro-kernels this CPU can run.
func kernels() []microKernel {
	var ks []microKernel
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernel)
		if cpu.X86.HasAVX512F {
			ks = append(ks, avx512Kernel)
		}
	}
	return ks
}

// TestKernelDenormals: the kernel flushes denormal inputs to zero (they
// cost a microcode assist per FMA) and leaves the caller's MXCSR as it was.
func TestKernelDenormals(t *testing.T) {
	if len(kernels()) == 0 {
		t.Skip("no AVX2/FMA")
	}
	for _, kern := range kernels() {
		t.Run(fmt.Sprintf("6x%d", kern.nr), func(t *testing.T) { checkDenormals(t, kern) })
	}
}

func checkDenormals(t *testing.T, kern microKernel) {
	m, n, k := 12, 64, 40
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = 1e-40              // denormal
		if i%7 == 0 && i/k != 1 { // row 1 all denormal: exactly 0 when flushed
			a[i] = 0.25
		}
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	before := mxcsr()
	avxGemm(kern, false, false, m, n, k, a, k, b, n, 0, c, n)
	if after := mxcsr(); after != before {
		t.Fatalf("MXCSR %#x after the product, %#x before", after, before)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			want := float32(0)
			for l := 0; l < k; l++ {
				if a[i*k+l] == 0.25 {
					want += 0.25 * b[l*n+j]
				}
			}
			if c[i*n+j] != want {
				t.Fatalf("C[%d,%d] = %g, want %g (denormals as zero)", i, j, c[i*n+j], want)
			}
		}
	}
}

// TestKernelPeak: the measured peak is a plausible rate for the kernel
// Best uses (more than a GFLOP/s, less than a core could do at 10 GHz).
func TestKernelPeak(t *testing.T) {
	if len(kernels()) == 0 {
		t.Skip("no AVX2/FMA")
	}
	if p := KernelPeak(); p < 1 || p > 64*10 {
		t.Fatalf("KernelPeak = %g GFLOP/s", p)
	}
}
