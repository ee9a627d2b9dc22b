package handcrafted

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

// binning turns each pixel's gradient (gx, gy) into a histogram over K
// equally spaced directions u_i (angle 2πi/K, measured from +x towards +y,
// y pointing down): y_i = ‖g‖·w_i (SPEC §3.2 layer 2 and §3.3 layer 2).
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
	return fmt.Sprintf("Binning(%d,bilinear=%v,fastAtan2=%v)", b.k, b.bilinear, b.fastAtan2)
}
func (b binning) Diffable(int) bool { return true }
func (b binning) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][1] != 2 {
		return nil, fmt.Errorf("want [N,2,H,W] gradients, got %v", in)
	}
	return []int{in[0][0], b.k, in[0][2], in[0][3]}, nil
}

// pixels calls f for each pixel with the offsets of gx (gy follows at +sp)
// and of its first output bin (the others follow at multiples of sp).
func (b binning) pixels(shape []int, f func(in, out, sp int)) {
	sp := shape[2] * shape[3]
	for n := 0; n < shape[0]; n++ {
		for p := 0; p < sp; p++ {
			f(n*2*sp+p, n*b.k*sp+p, sp)
		}
	}
}

// hardBin is VLFeat's rule: of the K/2 undirected orientations take the one
// with the largest |⟨g/‖g‖, o_k⟩| (the first on ties), then its direction
// by the sign.
func (b binning) hardBin(gx, gy float32) int {
	m := float32(math.Sqrt(float64(gx*gx + gy*gy)))
	m = max(m, 1e-10)
	best, bestAbs := 0, float32(-1)
	for k := range b.ox {
		s := (gx/m)*b.ox[k] + (gy/m)*b.oy[k]
		if a := float32(math.Abs(float64(s))); a > bestAbs {
			bestAbs, best = a, k
			if s < 0 {
				best = k + b.k/2
			}
		}
	}
	return best
}

// angle returns θ in [0, 2π) times K/2π.
func (b binning) angle(gx, gy float32) float64 {
	var a float64
	if b.fastAtan2 {
		a = float64(fastAtan2(gy, gx))
	} else {
		a = math.Atan2(float64(gy), float64(gx))
	}
	a = math.Mod(a, 2*math.Pi)
	if a < 0 {
		a += 2 * math.Pi
	}
	return a * float64(b.k) / (2 * math.Pi)
}

func (b binning) Forward(in []*graph.Tensor, out *graph.Tensor) {
	g, y := in[0].Data, out.Data
	b.pixels(in[0].Shape, func(i, o, sp int) {
		gx, gy := g[i], g[i+sp]
		m := math.Sqrt(float64(gx)*float64(gx) + float64(gy)*float64(gy))
		if m == 0 {
			return
		}
		if !b.bilinear {
			y[o+b.hardBin(gx, gy)*sp] = float32(m)
			return
		}
		nt := b.angle(gx, gy)
		lo := int(math.Floor(nt))
		f := nt - float64(lo)
		y[o+(lo%b.k)*sp] += float32((1 - f) * m)
		y[o+((lo+1)%b.k)*sp] += float32(f * m)
	})
}

// Backward: with m = ‖g‖, ∂m/∂g = g/m; hard binning differentiates through
// m only (the bin choice is piecewise constant). Bilinear binning adds the
// weights' derivative through the angle, ∂θ/∂g = (−gy, gx)/m², with
// ∂w_lo/∂θ = −K/2π and ∂w_hi/∂θ = +K/2π.
func (b binning) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	g, d, gy0 := in[0].Data, gin.Data, gout.Data
	c := float64(b.k) / (2 * math.Pi)
	b.pixels(in[0].Shape, func(i, o, sp int) {
		gx, gy := float64(g[i]), float64(g[i+sp])
		m := math.Sqrt(gx*gx + gy*gy)
		if m == 0 {
			return
		}
		if !b.bilinear {
			gi := float64(gy0[o+b.hardBin(g[i], g[i+sp])*sp])
			d[i] = float32(gi * gx / m)
			d[i+sp] = float32(gi * gy / m)
			return
		}
		nt := b.angle(g[i], g[i+sp])
		lo := int(math.Floor(nt))
		f := nt - float64(lo)
		glo, ghi := float64(gy0[o+(lo%b.k)*sp]), float64(gy0[o+((lo+1)%b.k)*sp])
		dm := glo*(1-f) + ghi*f       // dL/dm
		dtheta := c * m * (ghi - glo) // dL/dθ
		d[i] = float32(dm*gx/m - dtheta*gy/(m*m))
		d[i+sp] = float32(dm*gy/m + dtheta*gx/(m*m))
	})
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
