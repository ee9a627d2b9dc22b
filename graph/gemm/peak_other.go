//go:build openblas || !amd64

package gemm

// KernelPeak is 0: this build's product has no micro-kernel of its own.
func KernelPeak() float64 { return 0 }
