package fidelity

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/invrep/invrep/graph/pixels"
)

// TestAgainstScikitImage: PSNR and SSIM (on RGB and on luminance) of six
// photo/reconstruction pairs equal scikit-image's (testdata/fidelity.py,
// whose values are committed) within 1e-4.
func TestAgainstScikitImage(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "fidelity")
	raw, err := os.ReadFile(filepath.Join(dir, "values.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []struct {
		Pair     int
		PSNR     float64 `json:"psnr"`
		SSIMRGB  float64 `json:"ssim_rgb"`
		SSIMLuma float64 `json:"ssim_luma"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) < 6 {
		t.Fatalf("%d pairs, want 6", len(want))
	}
	load := func(name string) Image {
		im, err := pixels.Load(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return FromRGB(im.W, im.H, im.Pix)
	}
	worst := 0.0
	defer func() { t.Logf("%d pairs, largest difference from scikit-image %.1e", len(want), worst) }()
	for _, w := range want {
		ref, img := load(fmt.Sprintf("pair%d_ref.png", w.Pair)), load(fmt.Sprintf("pair%d_img.png", w.Pair))
		psnr, err := PSNR(ref, img, 255)
		if err != nil {
			t.Fatal(err)
		}
		rgb, err := SSIM(ref, img, 255)
		if err != nil {
			t.Fatal(err)
		}
		luma, err := SSIM(Luminance(ref), Luminance(img), 255)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			what      string
			got, want float64
		}{{"PSNR", psnr, w.PSNR}, {"SSIM (RGB)", rgb, w.SSIMRGB}, {"SSIM (luminance)", luma, w.SSIMLuma}} {
			worst = math.Max(worst, math.Abs(c.got-c.want))
			if math.Abs(c.got-c.want) > 1e-4 {
				t.Errorf("pair %d %s: %.6f, scikit-image %.6f", w.Pair, c.what, c.got, c.want)
			}
		}
	}
}

// TestFidelityProperties: an image against itself is perfect (PSNR +Inf,
// SSIM and MS-SSIM 1); MS-SSIM falls with noise, and is refused below its
// smallest side.
func TestFidelityProperties(t *testing.T) {
	im := Image{C: 1, H: 200, W: 180, Pix: make([]float64, 200*180)}
	for i := range im.Pix {
		im.Pix[i] = float64((i*37)%251) + 2*math.Sin(float64(i)/50)
	}
	if p, _ := PSNR(im, im, 255); !math.IsInf(p, 1) {
		t.Errorf("PSNR of an image with itself: %g", p)
	}
	if s, _ := SSIM(im, im, 255); math.Abs(s-1) > 1e-12 {
		t.Errorf("SSIM with itself: %g", s)
	}
	if m, err := MSSSIM(im, im, 255); err != nil || math.Abs(m-1) > 1e-12 {
		t.Errorf("MS-SSIM with itself: %g (%v)", m, err)
	}
	noisy := Image{C: 1, H: 200, W: 180, Pix: append([]float64(nil), im.Pix...)}
	for i := range noisy.Pix {
		noisy.Pix[i] += float64((i*7919)%41 - 20)
	}
	if m, _ := MSSSIM(im, noisy, 255); !(m > 0 && m < 1) {
		t.Errorf("MS-SSIM with noise: %g", m)
	}
	small := Image{C: 1, H: 100, W: 100, Pix: make([]float64, 10000)}
	if _, err := MSSSIM(small, small, 255); err == nil {
		t.Error("MS-SSIM of a 100×100 image")
	}
}
