package zoo

import (
	"math"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/invert"
)

// TestOutcomeFidelity: a reconstruction equal to the original scores PSNR
// MaxPSNR (not +Inf, which JSON cannot hold) and SSIM 1; one with noise
// less, and two restarts' similarity is measured.
func TestOutcomeFidelity(t *testing.T) {
	orig := graph.NewTensor(1, 3, 40, 48)
	for i := range orig.Data {
		orig.Data[i] = float32((i*31)%200) - 100
	}
	imgs := graph.NewTensor(2, 3, 40, 48)
	copy(imgs.Data, orig.Data)
	for i := range orig.Data {
		imgs.Data[len(orig.Data)+i] = orig.Data[i] + float32((i*7)%21-10)
	}
	o := &Outcome{Result: &invert.Result{Images: imgs}, Original: orig, Mean: []float64{0.5, 0.5, 0.5}}
	f, err := o.Fidelity()
	if err != nil {
		t.Fatal(err)
	}
	if f.PSNR[0] != MaxPSNR || math.Abs(f.SSIM[0]-1) > 1e-12 || math.Abs(f.SSIMLuma[0]-1) > 1e-12 {
		t.Errorf("the original itself: PSNR %g, SSIM %g / %g", f.PSNR[0], f.SSIM[0], f.SSIMLuma[0])
	}
	if !(f.PSNR[1] < 40 && f.SSIM[1] < 1) {
		t.Errorf("with noise: PSNR %g, SSIM %g", f.PSNR[1], f.SSIM[1])
	}
	if !(f.RestartSSIM > 0 && f.RestartSSIM < 1) || len(f.MSSSIM) != 0 {
		t.Errorf("restart SSIM %g, MS-SSIM %v (40×48 is too small for it)", f.RestartSSIM, f.MSSSIM)
	}
	if want := (MaxPSNR + f.PSNR[1]) / 2; math.Abs(f.Mean.PSNR-want) > 1e-9 {
		t.Errorf("mean PSNR %g, want %g", f.Mean.PSNR, want)
	}
}

// TestFidelitySmallImage: below SSIM's 11×11 window only PSNR is given,
// with a note saying why, not an SSIM of 0.
func TestFidelitySmallImage(t *testing.T) {
	orig := graph.NewTensor(1, 3, 8, 8)
	o := &Outcome{Result: &invert.Result{Images: graph.NewTensor(1, 3, 8, 8)}, Original: orig, Mean: []float64{0.5, 0.5, 0.5}}
	f, err := o.Fidelity()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.PSNR) != 1 || len(f.SSIM) != 0 || f.Note == "" {
		t.Errorf("8×8: %+v", f)
	}
}
