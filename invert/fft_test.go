package invert

import (
	"math"
	"math/rand"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/invrep/invrep/graph"
)

// TestSpectrumRoundTrip: the coefficients of an image's forward 2-D real
// transform, divided by the scaling, make the image again, for even and
// odd sizes; and the gradient is the transposed map (finite differences).
func TestSpectrumRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	for _, sz := range [][2]int{{6, 8}, {5, 7}, {8, 5}} {
		h, w := sz[0], sz[1]
		k := newSpectrum(h, w)
		x := randT(rng, 1, 2, h, w)
		params := graph.NewTensor(1, 2, h, 2*k.wf)
		for p := 0; p < 2; p++ {
			// The unnormalised forward transform: rows, then columns.
			rf, cf := fourier.NewFFT(w), fourier.NewCmplxFFT(h)
			z := make([]complex128, h*k.wf)
			row := make([]float64, w)
			for i := 0; i < h; i++ {
				for j := range row {
					row[j] = float64(x.Data[(p*h+i)*w+j])
				}
				copy(z[i*k.wf:], rf.Coefficients(nil, row))
			}
			col := make([]complex128, h)
			for c := 0; c < k.wf; c++ {
				for i := range col {
					col[i] = z[i*k.wf+c]
				}
				out := cf.Coefficients(nil, col)
				for i, v := range out {
					f := float64(h*w) * k.scale[i*k.wf+c]
					params.Data[(p*h+i)*2*k.wf+c] = float32(real(v) / f)
					params.Data[(p*h+i)*2*k.wf+k.wf+c] = float32(imag(v) / f)
				}
			}
		}
		back := graph.NewTensor(x.Shape...)
		k.Forward([]*graph.Tensor{params}, back)
		for i := range x.Data {
			if math.Abs(float64(back.Data[i]-x.Data[i])) > 1e-4 {
				t.Fatalf("%d×%d: [%d] = %g, image %g", h, w, i, back.Data[i], x.Data[i])
			}
		}
		p0 := randT(rng, 1, 1, h, 2*k.wf)
		// The image in float64, straight from the definition:
		// x[y,u] = Σ_{i,c} m_c·Re(scale·(R + iI)·e^{2πi(iy/H + cu/W)}), m_c
		// 2 for the coefficients that stand for a conjugate pair, else 1.
		checkTerm(t, "spectrum", spectrumSum{k}, p0, identity, func(v []float64) float64 {
			s := 0.0
			for y := 0; y < h; y++ {
				for u := 0; u < w; u++ {
					x := 0.0
					for i := 0; i < h; i++ {
						for c := 0; c < k.wf; c++ {
							m := 2.0
							if c == 0 || (w%2 == 0 && c == w/2) {
								m = 1
							}
							sc := k.scale[i*k.wf+c]
							re, im := sc*v[i*2*k.wf+c], sc*v[i*2*k.wf+k.wf+c]
							a := 2 * math.Pi * (float64(i*y)/float64(h) + float64(c*u)/float64(w))
							x += m * (re*math.Cos(a) - im*math.Sin(a))
						}
					}
					s += float64((y*w+u)%5+1) * x
				}
			}
			return s
		})
	}
}

// spectrumSum is Σ (i mod 5 + 1)·image[i] of the spectrum's image.
type spectrumSum struct{ k spectrum }

func (spectrumSum) Name() string { return "spectrum" }
func (s spectrumSum) Build(x, _ *graph.Node) (*graph.Node, error) {
	y, err := graph.Apply(s.k, x)
	if err != nil {
		return nil, err
	}
	w := graph.NewTensor(y.Shape()...)
	for i := range w.Data {
		w.Data[i] = float32(i%5 + 1)
	}
	return graph.Dot(y, w)
}
