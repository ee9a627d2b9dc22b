package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestProductsAgainstGonum checks every product this build and CPU have
// (the AVX2 kernel, OpenBLAS) against gonum's on shapes with ragged edges,
// every transpose and several betas, and the packed path convolutions take.
func TestProductsAgainstGonum(t *testing.T) {
	for _, p := range Available() {
		t.Run(p.Name(), func(t *testing.T) { checkAgainstGonum(t, p) })
	}
	if Best != Available()[len(Available())-1] {
		t.Errorf("Best is %s, not the last available product", Best.Name())
	}
}

func checkAgainstGonum(t *testing.T, p Product) {
	packer, _ := p.(Packer)
	rng := rand.New(rand.NewSource(1))
	for _, s := range [][3]int{{4, 16, 1}, {5, 17, 3}, {64, 3025, 27}, {7, 40, 300}, {16, 33, 513}, {3, 20, 8}, {1, 100, 9}, {1, 300, 1000}, {2, 70, 97}, {3, 17, 64}} {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, beta := range []float32{0, 1, 0.5} {
					a, b := make([]float32, m*k), make([]float32, k*n)
					for i := range a {
						a[i] = float32(rng.NormFloat64())
					}
					for i := range b {
						b[i] = float32(rng.NormFloat64())
					}
					lda, ldb := k, n
					if tA {
						lda = m
					}
					if tB {
						ldb = k
					}
					c0 := make([]float32, m*n)
					for i := range c0 {
						c0[i] = float32(rng.NormFloat64())
					}
					want, got := append([]float32(nil), c0...), append([]float32(nil), c0...)
					Gonum{}.Mul(tA, tB, m, n, k, a, lda, b, ldb, beta, want, n)
					p.Mul(tA, tB, m, n, k, a, lda, b, ldb, beta, got, n)
					check := func(how string) {
						t.Helper()
						for i := range want {
							if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*math.Sqrt(float64(k)) {
								t.Fatalf("%s%s m=%d n=%d k=%d tA=%v tB=%v beta=%g: [%d] = %g, gonum %g", p.Name(), how, m, n, k, tA, tB, beta, i, got[i], want[i])
							}
						}
					}
					check("")
					if packer == nil || tB {
						continue
					}
					// The packed-weights path convolutions take, plain and
					// with a bias and a Relu on the way out.
					ap := packer.PackA(tA, m, k, a, lda)
					if ap == nil {
						continue
					}
					got = append(got[:0], c0...)
					if !packer.MulPacked(ap, m, n, k, b, ldb, beta, got, n, Epilogue{}) {
						continue
					}
					check(" packed")
					bias := make([]float32, m)
					for i := range bias {
						bias[i] = float32(rng.NormFloat64())
					}
					for i := range want {
						want[i] = max(0, want[i]+bias[i/n])
					}
					got = append(got[:0], c0...)
					packer.MulPacked(ap, m, n, k, b, ldb, beta, got, n, Epilogue{Bias: bias, Relu: true})
					check(" packed, bias and Relu")
				}
			}
		}
	}
}

// BenchmarkPackedColumns times the packed product of ResNet-50's layer-3
// 1×1 convolution (256 filters of 1024 channels) on the 196 columns of one
// image's 14×14 map and on those of two and four images side by side: what
// taking a batch's columns together would win (run with -cpu 1 for one
// core's figures).
func BenchmarkPackedColumns(b *testing.B) {
	p, ok := Best.(Packer)
	if !ok {
		b.Skip("no packed product in this build")
	}
	const m, k = 256, 1024
	w := make([]float32, m*k)
	for i := range w {
		w[i] = float32(i%7) - 3
	}
	ap := p.PackA(false, m, k, w, k)
	for _, images := range []int{1, 2, 4} {
		n := 196 * images
		b.Run(fmt.Sprintf("%dimages", images), func(b *testing.B) {
			x, y := make([]float32, k*n), make([]float32, m*n)
			for i := 0; i < b.N; i++ {
				p.MulPacked(ap, m, n, k, x, n, 0, y, n, Epilogue{})
			}
			b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
