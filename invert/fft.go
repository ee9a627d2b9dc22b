package invert

import (
	"fmt"
	"math"
	"math/rand"
	"sync"

	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/parallel"
)

// FFTParam makes images from a spectrum, as Lucid's fft_image does: real
// and imaginary parts of each channel's half spectrum (H × (W/2+1)), scaled
// by 1/max(f, 1/max(H, W)) for spatial frequency f (so that the start is
// the 1/f spectrum of natural images and low frequencies move first),
// transformed back with orthonormal scaling and divided by 4; then, as
// PixelParam, optionally decorrelated colours, a sigmoid and paper units.
type FFTParam struct {
	Decorrelate bool
	Mean        []float64
}

// Shape implements Parameterization: [N,C,H,2·(W/2+1)], the real parts of
// a row's coefficients then their imaginary parts.
func (FFTParam) Shape(images []int) []int {
	return []int{images[0], images[1], images[2], 2 * (images[3]/2 + 1)}
}

// Init implements Parameterization: a spectrum of normal values of
// standard deviation 0.01, as Lucid's.
func (FFTParam) Init(shape []int, rng *rand.Rand) *graph.Tensor { return PixelParam{}.Init(shape, rng) }

// Build implements Parameterization.
func (p FFTParam) Build(x *graph.Node, images []int) (*graph.Node, error) {
	if len(images) != 4 {
		return nil, fmt.Errorf("images [N,C,H,W], got %v", images)
	}
	y, err := graph.Apply(newSpectrum(images[2], images[3]), x)
	if err != nil {
		return nil, err
	}
	return PixelParam(p).Build(y, images)
}

// spectrum is the inverse 2-D real FFT of scaled coefficients.
type spectrum struct {
	h, w, wf int
	scale    []float64 // per coefficient (h, k): 1/max(f, 1/max(h, w)), with the orthonormal 1/√(HW) and the 1/4
	work     *sync.Pool
}

// fftWork is one worker's transforms and buffers: gonum's transforms hold
// their own scratch, and setting them up costs more than a transform.
type fftWork struct {
	cf             *fourier.CmplxFFT
	rf             *fourier.FFT
	col, colOut, c []complex128
	row            []float64
}

func newSpectrum(h, w int) spectrum {
	s := spectrum{h: h, w: w, wf: w/2 + 1}
	s.work = &sync.Pool{New: func() any {
		return &fftWork{cf: fourier.NewCmplxFFT(h), rf: fourier.NewFFT(w), col: make([]complex128, h), colOut: make([]complex128, h),
			c: make([]complex128, w/2+1), row: make([]float64, w)}
	}}
	s.scale = make([]float64, h*s.wf)
	floor := 1 / float64(max(h, w))
	for i := 0; i < h; i++ {
		fy := float64(i) / float64(h)
		if i > (h-1)/2 {
			fy = float64(i-h) / float64(h)
		}
		for k := 0; k < s.wf; k++ {
			fx := float64(k) / float64(w)
			f := math.Sqrt(fy*fy + fx*fx)
			s.scale[i*s.wf+k] = 1 / math.Max(f, floor) / math.Sqrt(float64(h*w)) / 4
		}
	}
	return s
}

func (k spectrum) String() string    { return fmt.Sprintf("IRFFT2(%d×%d)", k.h, k.w) }
func (k spectrum) Diffable(int) bool { return true }
func (k spectrum) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][2] != k.h || in[0][3] != 2*k.wf {
		return nil, fmt.Errorf("want a spectrum [N,C,%d,%d], got %v", k.h, 2*k.wf, in)
	}
	return []int{in[0][0], in[0][1], k.h, k.w}, nil
}

// Forward: along H, the complex inverse transform of each column of
// coefficients; along W, the real inverse transform of each row. Columns,
// then rows, of all planes are spread over the cores (three colour planes
// would leave two cores unevenly loaded).
func (k spectrum) Forward(in []*graph.Tensor, out *graph.Tensor) {
	s := in[0].Shape
	planes := s[0] * s[1]
	per, hw := k.h*2*k.wf, k.h*k.w
	z := make([]complex128, planes*k.h*k.wf)
	parallel.For(planes*k.wf, func(t int) {
		p, c := t/k.wf, t%k.wf
		src, zp := in[0].Data[p*per:(p+1)*per], z[p*k.h*k.wf:(p+1)*k.h*k.wf]
		wk := k.work.Get().(*fftWork)
		defer k.work.Put(wk)
		for i := 0; i < k.h; i++ {
			sc := k.scale[i*k.wf+c]
			wk.col[i] = complex(sc*float64(src[i*2*k.wf+c]), sc*float64(src[i*2*k.wf+k.wf+c]))
		}
		wk.cf.Sequence(wk.colOut, wk.col)
		for i, v := range wk.colOut {
			zp[i*k.wf+c] = v
		}
	})
	parallel.For(planes*k.h, func(t int) {
		p, i := t/k.h, t%k.h
		wk := k.work.Get().(*fftWork)
		defer k.work.Put(wk)
		wk.rf.Sequence(wk.row, z[(p*k.h+i)*k.wf:(p*k.h+i+1)*k.wf])
		dst := out.Data[p*hw+i*k.w : p*hw+(i+1)*k.w]
		for j, v := range wk.row {
			dst[j] = float32(v)
		}
	})
}

// Backward is the transposed map: the forward real transform of each row
// of the gradient (doubled where the coefficient stands for a conjugate
// pair), then the forward complex transform of each column, scaled.
func (k spectrum) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	s := in[0].Shape
	planes := s[0] * s[1]
	per, hw := k.h*2*k.wf, k.h*k.w
	z := make([]complex128, planes*k.h*k.wf)
	parallel.For(planes*k.h, func(t int) {
		p, i := t/k.h, t%k.h
		wk := k.work.Get().(*fftWork)
		defer k.work.Put(wk)
		g := gout.Data[p*hw+i*k.w : p*hw+(i+1)*k.w]
		for j, v := range g {
			wk.row[j] = float64(v)
		}
		wk.rf.Coefficients(wk.c, wk.row)
		zr := z[(p*k.h+i)*k.wf : (p*k.h+i+1)*k.wf]
		for c, v := range wk.c {
			if c != 0 && !(k.w%2 == 0 && c == k.w/2) {
				v *= 2
			}
			zr[c] = v
		}
	})
	parallel.For(planes*k.wf, func(t int) {
		p, c := t/k.wf, t%k.wf
		d, zp := gin.Data[p*per:(p+1)*per], z[p*k.h*k.wf:(p+1)*k.h*k.wf]
		wk := k.work.Get().(*fftWork)
		defer k.work.Put(wk)
		for i := 0; i < k.h; i++ {
			wk.col[i] = zp[i*k.wf+c]
		}
		wk.cf.Coefficients(wk.colOut, wk.col)
		for i, v := range wk.colOut {
			sc := k.scale[i*k.wf+c]
			d[i*2*k.wf+c] = float32(sc * real(v))
			d[i*2*k.wf+k.wf+c] = float32(sc * imag(v))
		}
	})
}
