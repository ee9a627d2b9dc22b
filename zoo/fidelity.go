package zoo

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/invrep/invrep/graph/fidelity"
)

// Fidelity is how much of the photo a run's reconstructions give back, in
// image space, beside the feature-space error: each reconstruction's PSNR
// (dB), SSIM (the mean over RGB, and on luminance) and MS-SSIM (where the
// image has the side for it) against the original as the model saw it
// (the images as written, 0..255, at the model's input resolution); their
// means and spreads over the restarts; and the mean SSIM between restarts,
// how determined the pre-image is (1: every start found the same image).
type Fidelity struct {
	PSNR     []float64 `json:"psnr"`
	SSIM     []float64 `json:"ssim,omitempty"`
	SSIMLuma []float64 `json:"ssim_luminance,omitempty"`
	MSSSIM   []float64 `json:"ms_ssim,omitempty"`
	Mean     Metrics   `json:"mean"`
	Std      Metrics   `json:"std"`
	// RestartSSIM is the mean SSIM over pairs of restarts (0 with one).
	RestartSSIM float64 `json:"restart_ssim,omitempty"`
	// Note says which metrics the image is too small for (they are left
	// out, not reported as 0).
	Note string `json:"note,omitempty"`
}

// MaxPSNR caps PSNR: an image equal to the original has +Inf, which
// neither JSON nor a mean can hold; 100 dB is far past any reconstruction.
const MaxPSNR = 100

// Metrics are one value of each image metric.
type Metrics struct {
	PSNR     float64 `json:"psnr"`
	SSIM     float64 `json:"ssim,omitempty"`
	SSIMLuma float64 `json:"ssim_luminance,omitempty"`
	MSSSIM   float64 `json:"ms_ssim,omitempty"`
}

// asFidelity converts a tile to planes on 0..255.
func asFidelity(img image.Image) fidelity.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	pix := make([]uint8, 3*w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := 3 * (y*w + x)
			pix[i], pix[i+1], pix[i+2] = uint8(r>>8), uint8(g>>8), uint8(bl>>8)
		}
	}
	return fidelity.FromRGB(w, h, pix)
}

// Fidelity measures the run's reconstructions against its original.
func (o *Outcome) Fidelity() (*Fidelity, error) {
	if o.Original == nil {
		return nil, errors.New("the run has no original to compare with")
	}
	tiles, err := o.Tiles(true)
	if err != nil {
		return nil, err
	}
	ref := asFidelity(tiles[0])
	var recs []fidelity.Image
	f := &Fidelity{}
	ssim := ref.H >= fidelity.MinSSIMSide && ref.W >= fidelity.MinSSIMSide
	switch {
	case !ssim:
		f.Note = fmt.Sprintf("SSIM and MS-SSIM need images of at least %d×%d pixels (and %d×%d): left out at %d×%d", fidelity.MinSSIMSide, fidelity.MinSSIMSide, fidelity.MinMSSSIMSide, fidelity.MinMSSSIMSide, ref.W, ref.H)
	case ref.H < fidelity.MinMSSSIMSide || ref.W < fidelity.MinMSSSIMSide:
		f.Note = fmt.Sprintf("MS-SSIM needs images of at least %d×%d pixels: left out at %d×%d", fidelity.MinMSSSIMSide, fidelity.MinMSSSIMSide, ref.W, ref.H)
	}
	for _, t := range tiles[1:] {
		img := asFidelity(t)
		recs = append(recs, img)
		p, err := fidelity.PSNR(ref, img, 255)
		if err != nil {
			return nil, err
		}
		p = math.Min(p, MaxPSNR)
		f.PSNR = append(f.PSNR, p)
		if !ssim {
			continue
		}
		s, err := fidelity.SSIM(ref, img, 255)
		if err != nil {
			return nil, err
		}
		sl, err := fidelity.SSIM(fidelity.Luminance(ref), fidelity.Luminance(img), 255)
		if err != nil {
			return nil, err
		}
		f.SSIM, f.SSIMLuma = append(f.SSIM, s), append(f.SSIMLuma, sl)
		if ref.H >= fidelity.MinMSSSIMSide && ref.W >= fidelity.MinMSSSIMSide {
			m, err := fidelity.MSSSIM(ref, img, 255)
			if err != nil {
				return nil, err
			}
			f.MSSSIM = append(f.MSSSIM, m)
		}
	}
	f.Mean.PSNR, f.Std.PSNR = meanStd(f.PSNR)
	f.Mean.SSIM, f.Std.SSIM = meanStd(f.SSIM)
	f.Mean.SSIMLuma, f.Std.SSIMLuma = meanStd(f.SSIMLuma)
	f.Mean.MSSSIM, f.Std.MSSSIM = meanStd(f.MSSSIM)
	pairs := 0
	for i := range recs {
		if !ssim {
			break
		}
		for j := i + 1; j < len(recs); j++ {
			s, err := fidelity.SSIM(recs[i], recs[j], 255)
			if err != nil {
				return nil, err
			}
			f.RestartSSIM += s
			pairs++
		}
	}
	if pairs > 0 {
		f.RestartSSIM /= float64(pairs)
	}
	return f, nil
}

// meanStd is the mean and the standard deviation (N−1; 0 for one value)
// of finite values; +Inf (a perfect PSNR) counts as itself in the mean.
func meanStd(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return 0, 0
	}
	for _, x := range v {
		mean += x / float64(len(v))
	}
	if len(v) < 2 || math.IsInf(mean, 0) {
		return mean, 0
	}
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)-1))
}
