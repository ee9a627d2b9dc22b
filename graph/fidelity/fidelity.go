// Package fidelity measures how much of an image a reconstruction gives
// back, in image space: PSNR, SSIM (Wang, Bovik, Sheikh and Simoncelli
// 2004) and MS-SSIM (Wang, Simoncelli and Bovik 2003), as the
// model-inversion and split-inference literature reports them. SSIM
// follows scikit-image's structural_similarity with gaussian_weights=True,
// sigma=1.5, use_sample_covariance=False (an 11×11 Gaussian window, K1
// 0.01, K2 0.03, the mean over the pixels whose window lies inside the
// image), so that the figures compare with the papers'.
package fidelity

import (
	"errors"
	"fmt"
	"math"
)

// Image is a planar float image: C planes of H×W values on a range of
// DataRange (255 for 8-bit pixels).
type Image struct {
	C, H, W int
	Pix     []float64 // C·H·W, plane after plane
}

// Plane returns channel c.
func (im Image) Plane(c int) []float64 { return im.Pix[c*im.H*im.W : (c+1)*im.H*im.W] }

func check(a, b Image) error {
	if a.C != b.C || a.H != b.H || a.W != b.W {
		return fmt.Errorf("images of %d×%d×%d and %d×%d×%d", a.C, a.H, a.W, b.C, b.H, b.W)
	}
	if len(a.Pix) != a.C*a.H*a.W || len(b.Pix) != b.C*b.H*b.W || len(a.Pix) == 0 {
		return errors.New("an image's pixels do not fill its size")
	}
	return nil
}

// PSNR is 10·log10(range² / MSE) over every value; +Inf for equal images.
func PSNR(ref, img Image, dataRange float64) (float64, error) {
	if err := check(ref, img); err != nil {
		return 0, err
	}
	mse := 0.0
	for i, v := range ref.Pix {
		d := v - img.Pix[i]
		mse += d * d
	}
	mse /= float64(len(ref.Pix))
	if mse == 0 {
		return math.Inf(1), nil
	}
	return 10 * math.Log10(dataRange*dataRange/mse), nil
}

// SSIM is the mean structural similarity of the channels (each channel's
// mean SSIM, averaged, as scikit-image's channel_axis gives it).
func SSIM(ref, img Image, dataRange float64) (float64, error) {
	if err := check(ref, img); err != nil {
		return 0, err
	}
	if ref.H < winSize || ref.W < winSize {
		return 0, fmt.Errorf("SSIM needs images of at least %d×%d pixels, not %d×%d", winSize, winSize, ref.W, ref.H)
	}
	s := 0.0
	for c := 0; c < ref.C; c++ {
		m, _ := ssimPlane(ref.Plane(c), img.Plane(c), ref.H, ref.W, dataRange)
		s += m
	}
	return s / float64(ref.C), nil
}

// Luminance is the image's Y (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B),
// one plane; a one-channel image is its own.
func Luminance(im Image) Image {
	if im.C == 1 {
		return im
	}
	n := im.H * im.W
	y := Image{C: 1, H: im.H, W: im.W, Pix: make([]float64, n)}
	r, g, b := im.Plane(0), im.Plane(1), im.Plane(2)
	for i := range y.Pix {
		y.Pix[i] = 0.299*r[i] + 0.587*g[i] + 0.114*b[i]
	}
	return y
}

const (
	sigma   = 1.5
	winSize = 11 // 2·⌈3.5σ⌉ + 1, scikit-image's window for σ 1.5
	k1, k2  = 0.01, 0.03
)

// gauss is the normalised 1-D Gaussian window.
var gauss = func() [winSize]float64 {
	var w [winSize]float64
	s := 0.0
	for i := range w {
		x := float64(i - winSize/2)
		w[i] = math.Exp(-x * x / (2 * sigma * sigma))
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}()

// filter is the Gaussian-weighted mean of v over each window lying wholly
// inside the h×w plane: (h−10)×(w−10) values.
func filter(v []float64, h, w int) []float64 {
	oh, ow := h-winSize+1, w-winSize+1
	rows := make([]float64, h*ow)
	for y := 0; y < h; y++ {
		for x := 0; x < ow; x++ {
			s := 0.0
			for k, g := range gauss {
				s += g * v[y*w+x+k]
			}
			rows[y*ow+x] = s
		}
	}
	out := make([]float64, oh*ow)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			s := 0.0
			for k, g := range gauss {
				s += g * rows[(y+k)*ow+x]
			}
			out[y*ow+x] = s
		}
	}
	return out
}

// ssimPlane returns one plane's mean SSIM and mean contrast-structure term
// (the factor MS-SSIM takes at its finer scales).
func ssimPlane(a, b []float64, h, w int, dataRange float64) (ssim, cs float64) {
	n := len(a)
	aa, bb, ab := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range a {
		aa[i], bb[i], ab[i] = a[i]*a[i], b[i]*b[i], a[i]*b[i]
	}
	ma, mb := filter(a, h, w), filter(b, h, w)
	saa, sbb, sab := filter(aa, h, w), filter(bb, h, w), filter(ab, h, w)
	c1, c2 := (k1*dataRange)*(k1*dataRange), (k2*dataRange)*(k2*dataRange)
	for i := range ma {
		va, vb, cov := saa[i]-ma[i]*ma[i], sbb[i]-mb[i]*mb[i], sab[i]-ma[i]*mb[i]
		l := (2*ma[i]*mb[i] + c1) / (ma[i]*ma[i] + mb[i]*mb[i] + c1)
		c := (2*cov + c2) / (va + vb + c2)
		ssim += l * c
		cs += c
	}
	return ssim / float64(len(ma)), cs / float64(len(ma))
}

// msWeights are MS-SSIM's five scales' exponents (Wang et al. 2003).
var msWeights = [...]float64{0.0448, 0.2856, 0.3001, 0.2363, 0.1333}

// MinSSIMSide is the smallest side SSIM's window fits in.
const MinSSIMSide = winSize

// MinMSSSIMSide is the smallest side MS-SSIM's five scales allow: the
// coarsest, a sixteenth of it, must hold an 11-pixel window.
const MinMSSSIMSide = winSize * 16

// MSSSIM is multi-scale SSIM: the contrast-structure terms of the four
// finer scales and the full SSIM of the coarsest, each scale a 2×2 average
// of the one before, raised to msWeights and multiplied; the mean over
// the channels. Negative terms are clipped to 0 (as implementations do,
// so that the fractional powers stay real).
func MSSSIM(ref, img Image, dataRange float64) (float64, error) {
	if err := check(ref, img); err != nil {
		return 0, err
	}
	if ref.H < MinMSSSIMSide || ref.W < MinMSSSIMSide {
		return 0, fmt.Errorf("MS-SSIM needs images of at least %d×%d pixels, not %d×%d", MinMSSSIMSide, MinMSSSIMSide, ref.W, ref.H)
	}
	total := 0.0
	for c := 0; c < ref.C; c++ {
		a, b, h, w := ref.Plane(c), img.Plane(c), ref.H, ref.W
		v := 1.0
		for s, e := range msWeights {
			ssim, cs := ssimPlane(a, b, h, w, dataRange)
			term := cs
			if s == len(msWeights)-1 {
				term = ssim
			}
			v *= math.Pow(math.Max(term, 0), e)
			a, b, h, w = halve(a, h, w), halve(b, h, w), h/2, w/2
		}
		total += v
	}
	return total / float64(ref.C), nil
}

// halve is the 2×2 average, an odd last row or column dropped.
func halve(v []float64, h, w int) []float64 {
	oh, ow := h/2, w/2
	out := make([]float64, oh*ow)
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			out[y*ow+x] = (v[2*y*w+2*x] + v[2*y*w+2*x+1] + v[(2*y+1)*w+2*x] + v[(2*y+1)*w+2*x+1]) / 4
		}
	}
	return out
}

// FromRGB is an 8-bit RGB image as three planes on 0..255 (DataRange 255).
func FromRGB(w, h int, pix []uint8) Image {
	im := Image{C: 3, H: h, W: w, Pix: make([]float64, 3*w*h)}
	for i := 0; i < w*h; i++ {
		for c := 0; c < 3; c++ {
			im.Pix[c*w*h+i] = float64(pix[3*i+c])
		}
	}
	return im
}
