//go:build !openblas

package gemm

import (
	"math/bits"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/scratch"
	"golang.org/x/sys/cpu"
)

// kernel6x16 is implemented in avx2_amd64.s (AVX2 and FMA).
//
//go:noescape
func kernel6x16(k int, a, b, c *float32, ldc, ldb, flags int, bias *float32)

// kernel6x32 is implemented in avx512_amd64.s (AVX-512F).
//
//go:noescape
func kernel6x32(k int, a, b, c *float32, ldc, ldb, flags int, bias *float32)

// mxcsr is implemented in avx2_amd64.s.
func mxcsr() uint32

// microKernel computes a 6×nr tile of C from a packed 6-row panel of A and
// nr columns of B (see kernel6x16 for the arguments).
type microKernel struct {
	nr int
	fn func(k int, a, b, c *float32, ldc, ldb, flags int, bias *float32)
}

// The kernels' flags.
const (
	addC  = 1 // add C's tile to the product
	reluC = 2 // then clamp at zero
)

var (
	avx2Kernel   = microKernel{16, kernel6x16}
	avx512Kernel = microKernel{32, kernel6x32}
)

// AVX2 is the product on an AVX2/FMA micro-kernel, in pure Go and
// assembly: Best on machines that have those instructions and no AVX-512.
type AVX2 struct{}

// AVX512 is the same product on a 6×32 AVX-512 micro-kernel, twice the
// AVX2 kernel's rate on cores with two 512-bit FMA pipes: Best where the
// CPU has AVX-512F. Both share the packing of A (6-row panels), so weights
// packed for one serve the other.
type AVX512 struct{}

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		Best = AVX2{}
		available = append(available, AVX2{})
	}
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		Best = AVX512{}
		available = append(available, AVX512{})
	}
}

// Name implements Product.
func (AVX2) Name() string { return "pure Go with an AVX2/FMA kernel" }

// Mul implements Product.
func (AVX2) Mul(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	avxGemm(avx2Kernel, tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// PanelRows implements Packer.
func (AVX2) PanelRows() int { return mr }

// PackA implements Packer.
func (AVX2) PackA(tA bool, m, k int, a []float32, lda int) []float32 { return packed(tA, m, k, a, lda) }

// MulPacked implements Packer.
func (AVX2) MulPacked(ap []float32, m, n, k int, b []float32, ldb int, beta float32, c []float32, ldc int, e Epilogue) bool {
	return mulPacked(avx2Kernel, ap, m, n, k, b, ldb, beta, c, ldc, e)
}

// Name implements Product.
func (AVX512) Name() string { return "pure Go with an AVX-512 kernel" }

// Mul implements Product. Products narrower than the 32-column tile take
// the AVX2 kernel, which wastes less of each tile on them.
func (AVX512) Mul(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	avxGemm(pick(n), tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// PanelRows implements Packer.
func (AVX512) PanelRows() int { return mr }

// PackA implements Packer.
func (AVX512) PackA(tA bool, m, k int, a []float32, lda int) []float32 {
	return packed(tA, m, k, a, lda)
}

// MulPacked implements Packer.
func (AVX512) MulPacked(ap []float32, m, n, k int, b []float32, ldb int, beta float32, c []float32, ldc int, e Epilogue) bool {
	return mulPacked(pick(n), ap, m, n, k, b, ldb, beta, c, ldc, e)
}

// pick is the AVX-512 kernel for products at least 32 columns wide, the
// AVX2 one below.
func pick(n int) microKernel {
	if n < avx512Kernel.nr {
		return avx2Kernel
	}
	return avx512Kernel
}

// packed is op(A) packed into 6-row panels, nil where the product would
// not use it.
func packed(tA bool, m, k int, a []float32, lda int) []float32 {
	if m < mr || k == 0 {
		return nil
	}
	ap := make([]float32, packedSize(m, k))
	packA(tA, m, k, a, lda, ap)
	return ap
}

func mulPacked(kern microKernel, ap []float32, m, n, k int, b []float32, ldb int, beta float32, c []float32, ldc int, e Epilogue) bool {
	if ap == nil || n < kern.nr {
		return false
	}
	avxGemmPacked(kern, ap, false, m, n, k, b, ldb, beta, c, ldc, e)
	return true
}

const (
	mr    = 6   // rows of the micro-kernels' tiles
	maxNR = 32  // columns of the widest micro-kernel's tile
	kc    = 256 // depth of a packed block, so a B panel stays in L1/L2
)

// avxGemm computes C = op(A)·op(B) + beta·C like Gonum, packing op(A)
// into 6-row panels so that a micro-kernel computes each 6×nr
// tile of C from a packed panel and 16 columns of B; tiles are split
// between the cores (see avxGemmPacked). Thin products (fewer than 6 rows
// of A, a fully connected layer on one image) are dot products and row
// updates (thinGemm); what is left, transposed, to gonum.
func avxGemm(kern microKernel, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < mr && !tA && k > 0 && (beta == 0 || beta == 1) {
		thinGemm(tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if m < mr || n < kern.nr || k == 0 {
		Gonum{}.Mul(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	ap := scratch.Take(packedSize(m, k))
	defer scratch.Give(ap)
	packA(tA, m, k, a, lda, ap)
	avxGemmPacked(kern, ap, tB, m, n, k, b, ldb, beta, c, ldc, Epilogue{})
}

// slotSize is a task's work buffer: a packed panel of B and an edge tile.
const slotSize = kc*maxNR + mr*maxNR

// taskSlots hands one product's tasks their work buffers: as many as
// goroutines can run its tasks at once, claimed by a bit each.
type taskSlots struct {
	buf  []float32
	busy atomic.Uint64
	n    int
}

func newSlots(workers int) *taskSlots {
	n := min(workers, 64)
	return &taskSlots{buf: scratch.Take(n * slotSize), n: n}
}

// take claims a free slot; there is always one, since no more tasks run
// at once than there are goroutines in the pool (GOMAXPROCS, at most 64
// counted).
func (s *taskSlots) take() int {
	for {
		b := s.busy.Load()
		i := bits.TrailingZeros64(^b)
		if i >= s.n {
			runtime.Gosched() // more than 64 workers: wait for one
			continue
		}
		if s.busy.CompareAndSwap(b, b|1<<i) {
			return i
		}
	}
}

func (s *taskSlots) give(i int) {
	for {
		b := s.busy.Load()
		if s.busy.CompareAndSwap(b, b&^(1<<i)) {
			return
		}
	}
}

func (s *taskSlots) release() { scratch.Give(s.buf) }

// packedSize is the length of op(A) packed into mr-row panels.
func packedSize(m, k int) int { return (m + mr - 1) / mr * k * mr }

// packA packs op(A) (m×k) into ap: panel i holds rows mr·i … mr·i+mr−1,
// element (r, p) at [i][p·mr+r], rows past m zero.
func packA(tA bool, m, k int, a []float32, lda int, ap []float32) {
	mp := (m + mr - 1) / mr
	for i := 0; i < mp; i++ {
		panel := ap[i*k*mr : (i+1)*k*mr]
		for r := 0; r < mr; r++ {
			row := i*mr + r
			if row >= m {
				for p := 0; p < k; p++ {
					panel[p*mr+r] = 0
				}
				continue
			}
			if tA {
				for p := 0; p < k; p++ {
					panel[p*mr+r] = a[p*lda+row]
				}
			} else {
				src := a[row*lda : row*lda+k]
				for p, v := range src {
					panel[p*mr+r] = v
				}
			}
		}
	}
}

// avxGemmPacked is avxGemm with op(A) already packed by packA.
//
// With beta = 0 the first depth block stores its tiles instead of adding
// them, so C needs no clearing first (a serial pass over C); the first
// block starts from the bias and the last applies the Relu.
func avxGemmPacked(kern microKernel, ap []float32, tB bool, m, n, k int, b []float32, ldb int, beta float32, c []float32, ldc int, e Epilogue) {
	if beta != 1 && beta != 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
	}
	nr := kern.nr
	mp := (m + mr - 1) / mr
	var bias []float32 // e.Bias padded to whole panels
	if e.Bias != nil {
		bias = scratch.Take(mp * mr)
		defer scratch.Give(bias)
		clear(bias[copy(bias, e.Bias[:m]):])
	}
	np := (n + nr - 1) / nr
	slots := newSlots(runtime.GOMAXPROCS(0))
	defer slots.release()
	// Tasks are a column panel of C by a block of rows, handed out in
	// order to whichever worker is free: with few panels (a 13×13 map has
	// 11) a fixed split by panels left one core idle for a panel's time.
	workers := runtime.GOMAXPROCS(0)
	rb := mp // row panels per task
	if np < 4*workers {
		rb = max(1, mp*np/(8*workers))
	}
	mb := (mp + rb - 1) / rb
	parallel.For(np*mb, func(t int) {
		// B's packed panel, then a tile for the ragged edges, from the
		// call's slots (an array here escaped to the heap through the
		// kernel's func value; a buffer per task from scratch made its
		// mutex a tenth of a small product's time).
		slot := slots.take()
		defer slots.give(slot)
		buf := slots.buf[slot*slotSize:][:slotSize]
		bp, tile := buf[:kc*nr], buf[kc*nr:]
		{
			j, ib := t/mb, t%mb
			col0 := j * nr
			cols := min(nr, n-col0)
			for p0 := 0; p0 < k; p0 += kc {
				kk := min(kc, k-p0)
				// A full panel of untransposed B is read in place, its
				// rows ldb apart: packing it was a tenth of the time and
				// its rows of nr floats stay in L1 all the same. Others are
				// packed, zero-padded.
				panel, ld := bp, nr
				if !tB && cols == nr {
					panel, ld = b[p0*ldb+col0:], ldb
				} else {
					for p := 0; p < kk; p++ {
						dst := bp[p*nr : p*nr+nr]
						if tB {
							for jj := 0; jj < nr; jj++ {
								if jj < cols {
									dst[jj] = b[(col0+jj)*ldb+p0+p]
								} else {
									dst[jj] = 0
								}
							}
						} else {
							src := b[(p0+p)*ldb+col0:]
							n := copy(dst[:cols], src[:cols])
							clear(dst[n:])
						}
					}
				}
				add := p0 > 0 || beta != 0
				relu := e.Relu && p0+kk == k
				flags := 0
				if add {
					flags |= addC
				}
				if relu {
					flags |= reluC
				}
				for i := ib * rb; i < min(mp, (ib+1)*rb); i++ {
					a0 := &ap[i*k*mr+p0*mr]
					var b0 *float32
					if bias != nil && p0 == 0 {
						b0 = &bias[i*mr]
					}
					rows := min(mr, m-i*mr)
					if rows == mr && cols == nr {
						kern.fn(kk, a0, &panel[0], &c[i*mr*ldc+col0], ldc, ld, flags, b0)
						continue
					}
					kern.fn(kk, a0, &panel[0], &tile[0], nr, ld, 0, b0)
					for r := 0; r < rows; r++ {
						dst := c[(i*mr+r)*ldc+col0 : (i*mr+r)*ldc+col0+cols]
						src := tile[r*nr : r*nr+cols]
						for jj, v := range src {
							if add {
								v += dst[jj]
							}
							if relu {
								v = max(v, 0)
							}
							dst[jj] = v
						}
					}
				}
			}
		}
	})
}

// KernelPeak measures the micro-kernel of Best on the calling goroutine's
// core with everything in L1 (half a second): the ceiling one core
// reaches, beside which benchmarks print their GFLOP/s. 0 where Best has
// no micro-kernel.
func KernelPeak() float64 {
	var kern microKernel
	switch Best.(type) {
	case AVX512:
		kern = avx512Kernel
	case AVX2:
		kern = avx2Kernel
	default:
		return 0
	}
	nr := kern.nr
	a, b, c := make([]float32, mr*kc), make([]float32, nr*kc), make([]float32, mr*nr)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// The best of five tenths of a second: the first ran slower (the
	// core's clock settling under 512-bit work), and this machine's cores
	// are shared at times.
	best := 0.0
	for range 5 {
		calls := 0
		t0 := time.Now()
		for time.Since(t0) < 100*time.Millisecond {
			for range 100 {
				kern.fn(kc, &a[0], &b[0], &c[0], nr, nr, addC, nil)
			}
			calls += 100
		}
		best = max(best, float64(2*mr*nr*kc*calls)/time.Since(t0).Seconds()/1e9)
	}
	return best
}
