package invert

import (
	"math"
	"math/rand"
	"testing"
)

// TestLayerTerms: channel, neuron and direction objectives (dot and
// cosine) on maps and on token layers, values against float64 references
// and gradients against finite differences.
func TestLayerTerms(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	x := randT(rng, 2, 3, 4, 5) // [N,C,H,W]
	checkTerm(t, "channel", Channel{Layer: "l", C: 1}, x, identity, func(v []float64) float64 {
		s := 0.0
		for n := 0; n < 2; n++ {
			for q := 0; q < 20; q++ {
				s -= v[n*60+20+q] / 20
			}
		}
		return s
	})
	checkTerm(t, "neuron", Neuron{Layer: "l", C: 2, X: -1, Y: -1}, x, identity, func(v []float64) float64 {
		return -v[0*60+40+1*5+2] - v[1*60+40+1*5+2]
	})
	dir := []float32{0.5, -1, 2}
	dot := func(v []float64, n, q int) (float64, float64) {
		d, nf := 0.0, 0.0
		for c := 0; c < 3; c++ {
			a := v[n*60+c*20+q]
			d += a * float64(dir[c])
			nf += a * a
		}
		return d, math.Sqrt(nf)
	}
	checkTerm(t, "direction", Direction{Layer: "l", V: dir}, x, identity, func(v []float64) float64 {
		s := 0.0
		for n := 0; n < 2; n++ {
			for q := 0; q < 20; q++ {
				d, _ := dot(v, n, q)
				s -= d / 20
			}
		}
		return s
	})
	nv := math.Sqrt(0.25 + 1 + 4)
	checkTerm(t, "cosine", Direction{Layer: "l", V: dir, Cosine: true}, x, identity, func(v []float64) float64 {
		s := 0.0
		for n := 0; n < 2; n++ {
			for q := 0; q < 20; q++ {
				d, nf := dot(v, n, q)
				s -= d / (nf * nv) / 20
			}
		}
		return s
	})
	// Tokens [N,T,D] with a class token (T−1 = 4 = 2²): the patch tokens'
	// mean of channel D=1.
	tok := randT(rng, 2, 5, 3)
	checkTerm(t, "token channel", Channel{Layer: "l", C: 1}, tok, identity, func(v []float64) float64 {
		s := 0.0
		for n := 0; n < 2; n++ {
			for q := 1; q < 5; q++ {
				s -= v[n*15+q*3+1] / 4
			}
		}
		return s
	})
}

// TestDiversity: the mean pairwise cosine of Gram matrices, value and
// gradient.
func TestDiversity(t *testing.T) {
	x := randT(rand.New(rand.NewSource(4)), 3, 2, 2, 3)
	checkTerm(t, "diversity", Diversity{Layer: "l"}, x, identity, func(v []float64) float64 {
		gram := func(n int) [4]float64 {
			var g [4]float64
			for a := 0; a < 2; a++ {
				for b := 0; b < 2; b++ {
					for q := 0; q < 6; q++ {
						g[a*2+b] += v[n*12+a*6+q] * v[n*12+b*6+q]
					}
				}
			}
			return g
		}
		s := 0.0
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				if i == j {
					continue
				}
				gi, gj := gram(i), gram(j)
				dot, ni, nj := 0.0, 0.0, 0.0
				for k := range gi {
					dot += gi[k] * gj[k]
					ni += gi[k] * gi[k]
					nj += gj[k] * gj[k]
				}
				s += dot / math.Sqrt(ni*nj)
			}
		}
		return s / 6
	})
}

// TestMoreLayerTerms: channel interpolation across the batch, a direction
// at one position, and alignment of neighbouring images: values and
// gradients.
func TestMoreLayerTerms(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	x := randT(rng, 3, 3, 2, 2) // [N,C,H,W]: 4 positions
	checkTerm(t, "interpolate", ChannelInterpolate{"l", 0, "l", 2}, x, identity, func(v []float64) float64 {
		s := 0.0
		for n := 0; n < 3; n++ {
			tt := float64(n) / 2
			for q := 0; q < 4; q++ {
				s -= ((1-tt)*v[n*12+0*4+q] + tt*v[n*12+2*4+q]) / 4
			}
		}
		return s
	})
	dir := []float32{1, -2, 0.5}
	checkTerm(t, "direction neuron", DirectionNeuron{Layer: "l", V: dir, X: 1, Y: 0}, x, identity, func(v []float64) float64 {
		s := 0.0
		for n := 0; n < 3; n++ {
			for c := 0; c < 3; c++ {
				s -= float64(dir[c]) * v[n*12+c*4+1]
			}
		}
		return s
	})
	checkTerm(t, "alignment", Alignment{Layer: "l"}, x, identity, func(v []float64) float64 {
		s := 0.0
		for d := 1; d <= 4; d++ {
			for i := 0; i+d < 3; i++ {
				m := 0.0
				for t := 0; t < 12; t++ {
					e := v[i*12+t] - v[(i+d)*12+t]
					m += e * e
				}
				s += m / 12 / math.Pow(2, float64(d))
			}
		}
		return s
	})
}

// TestChannelsPerImage: each image its own channel.
func TestChannelsPerImage(t *testing.T) {
	x := randT(rand.New(rand.NewSource(13)), 2, 3, 2, 2)
	checkTerm(t, "channels", Channels{Layer: "l", Cs: []int{2, 0}}, x, identity, func(v []float64) float64 {
		s := 0.0
		for q := 0; q < 4; q++ {
			s -= (v[0*12+2*4+q] + v[1*12+0*4+q]) / 4
		}
		return s
	})
}
