package handcrafted

import (
	"fmt"
	"math"
)

// binning assigns each pixel's gradient (gx, gy) to K equally spaced
// directions u_i (angle 2πi/K, measured from +x towards +y, y pointing
// down) with weights ‖g‖·w_i (SPEC §3.2 layer 2 and §3.3 layer 2).
// Hard binning puts all of ‖g‖ in the direction nearest to g, the smaller
// index on exact ties, computed in float32 exactly as VLFeat's HOG does;
// bilinear binning splits it between the two nearest directions,
// w_i = max(0, 1 − (K/2π)·|θ − θ_i|), which is hog_net's
// max(0, 1 − (K/2π)·acos(⟨g,u_i⟩/‖g‖)).
type binning struct {
	k        int
	bilinear bool
	// fastAtan2 uses VLFeat's approximation of atan2 for the angle (as
	// vl_dsift does); the backward pass still uses the exact angle's
	// derivative.
	fastAtan2 bool
	ox, oy    []float32 // VLFeat's orientation table for hard binning
}

func newBinning(k int, bilinear, fastAtan2 bool) binning {
	b := binning{k: k, bilinear: bilinear, fastAtan2: fastAtan2}
	for i := 0; i < k/2; i++ {
		b.ox = append(b.ox, float32(math.Cos(2*math.Pi*float64(i)/float64(k))))
		b.oy = append(b.oy, float32(math.Sin(2*math.Pi*float64(i)/float64(k))))
	}
	return b
}

func (b binning) String() string {
	return fmt.Sprintf("binning(%d,bilinear=%v,fastAtan2=%v)", b.k, b.bilinear, b.fastAtan2)
}

// hardBins is VLFeat's hard orientation binning of the gradients (gx[i],
// gy[i]) into bin[i], with their norms in mag[i]: of the K = len(ox)
// undirected orientations (ox, oy) take the one with the largest
// |⟨g/‖g‖, o_k⟩|, the first on ties, and add K when that product is
// negative. It is computed in float32 exactly as VLFeat does (separate
// multiplies and adds, no fused multiply-add), eight pixels at a time where
// it can.
func hardBins(bin []int32, mag, gx, gy, ox, oy []float32) {
	mag, gx, gy = mag[:len(bin)], gx[:len(bin)], gy[:len(bin)]
	oy = oy[:len(ox)]
	for i := hardBinVec(bin, mag, gx, gy, ox, oy); i < len(bin); i++ {
		bin[i] = int32(hardBin1(gx[i], gy[i], ox, oy))
		mag[i] = norm32(gx[i], gy[i])
	}
}

// norm32 is ‖(gx, gy)‖ in float32, as VLFeat computes it.
func norm32(gx, gy float32) float32 {
	// The conversions round each product, so no build fuses them.
	return float32(math.Sqrt(float64(float32(gx*gx) + float32(gy*gy))))
}

// hardBin1 is hardBins for one pixel.
func hardBin1(gx, gy float32, ox, oy []float32) int {
	m := max(norm32(gx, gy), 1e-10)
	ux, uy := gx/m, gy/m
	best, bestAbs, neg := 0, float32(-1), false
	for k, o := range ox {
		s := float32(ux*o) + float32(uy*oy[k])
		a := s
		if a < 0 {
			a = -a
		}
		if a > bestAbs {
			bestAbs, best, neg = a, k, s < 0
		}
	}
	if neg {
		best += len(ox)
	}
	return best
}

// angle returns θ in [0, 2π) times K/2π, in float32: the bilinear
// binning's position among the bins. (math.Atan2 and math.Mod in float64
// were half of an HOGb iteration.)
func (b binning) angle(gx, gy float32) float32 {
	var a float32
	if b.fastAtan2 {
		a = fastAtan2(gy, gx)
	} else {
		a = atan2f(gy, gx)
	}
	if a < 0 {
		a += 2 * math.Pi
	}
	nt := a * (float32(b.k) / (2 * math.Pi))
	if nt >= float32(b.k) { // a just under 2π, rounded up
		nt -= float32(b.k)
	}
	return nt
}

// atan2f is atan2 in float32 to a few units in the last place: the
// quotient of the smaller and larger of |x|, |y| brought under tan(π/8)
// and Cephes atanf's polynomial, then the octant put back.
func atan2f(y, x float32) float32 {
	ax, ay := float32(math.Abs(float64(x))), float32(math.Abs(float64(y)))
	mn, mx := min(ax, ay), max(ax, ay)
	if mx == 0 {
		return 0
	}
	t := mn / mx
	var base float32
	if t > 0.41421356 { // tan(π/8)
		base, t = math.Pi/4, (t-1)/(t+1)
	}
	z := t * t
	r := (((8.05374449538e-2*z-1.38776856032e-1)*z+1.99777106478e-1)*z-3.33329491539e-1)*z*t + t + base
	if ay > ax {
		r = math.Pi/2 - r
	}
	if x < 0 {
		r = math.Pi - r
	}
	if y < 0 {
		r = -r
	}
	return r
}

// fastAtan2 is VLFeat's vl_fast_atan2_f.
func fastAtan2(y, x float32) float32 {
	const c3, c1 = float32(0.1821), float32(-0.9675)
	ay := float32(math.Abs(float64(y))) + 1.19209290e-07 // FLT_EPSILON
	var r, angle float32
	if x >= 0 {
		r = (x - ay) / (x + ay)
		angle = float32(math.Pi / 4)
	} else {
		r = (x + ay) / (ay - x)
		angle = float32(3 * math.Pi / 4)
	}
	angle += (c3*r*r + c1) * r
	if y < 0 {
		return -angle
	}
	return angle
}
