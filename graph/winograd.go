package graph

import (
	"sync"

	"github.com/invrep/invrep/graph/vec"
)

// Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms
// for Convolutional Neural Networks", CVPR 2016) for 3×3, stride-1
// convolutions with constant weights: each 4×4 input tile d, transformed to
// V = Bᵀ d B, meets each transformed filter U = G w Gᵀ in 16 products for
// its 2×2 outputs Aᵀ (U ⊙ V) A, where a direct convolution takes 36. Over
// all tiles, channels and filters those are 16 matrix products, V_ξ [tiles
// × C] times U_ξ [C × M] for each of the 16 positions ξ of a tile, run by
// the packed micro-kernel: V_ξ is written straight into its packed layout
// and U_ξ, computed once, is read in place.
//
// The input gradient of such a convolution is one too (the filters flipped
// and their channels swapped, the pads k−1−p), so both passes use it. The
// transforms only add and halve, so results differ from the direct
// product's by a few roundings.

// gemmPanelRows is the rows of the packed layout gemmPacked takes (see
// packA), 0 where there is no packed product.
var gemmPanelRows int

// winoPlan is the geometry of one F(2×2, 3×3) convolution of c input
// planes h×w, pads pt and pl, into m output planes oh×ow.
type winoPlan struct {
	c, h, w, pt, pl, m, oh, ow int
	th, tw, tiles, panels      int
}

func newWinoPlan(c, h, w, pt, pl, m, oh, ow int) winoPlan {
	p := winoPlan{c: c, h: h, w: w, pt: pt, pl: pl, m: m, oh: oh, ow: ow}
	p.th, p.tw = (oh+1)/2, (ow+1)/2
	p.tiles = p.th * p.tw
	p.panels = (p.tiles + gemmPanelRows - 1) / gemmPanelRows
	return p
}

// vSize and oSize are the lengths of the transformed inputs (packed) and
// of the 16 products.
func (p winoPlan) vSize() int { return 16 * p.panels * gemmPanelRows * p.c }
func (p winoPlan) oSize() int { return 16 * p.tiles * p.m }

// winoUsable reports whether c can run as F(2×2, 3×3): 3×3, stride 1, no
// dilation, pads of at most 2 (the gradient's are 2 − pad), constant weights
// and a packed product of six-row panels (vec.WinoInput6 writes them), and
// enough channels that the 16 products are not thin.
func (c conv) winoUsable(q convGeom) bool {
	if gemmPanelRows != 6 || c.packs == nil || q.kh != 3 || q.kw != 3 || c.p.Strides != [2]int{1, 1} || c.p.Dilations != [2]int{1, 1} {
		return false
	}
	for _, p := range c.p.Pads {
		if p > 2 {
			return false
		}
	}
	return q.cg >= 32 && q.mg >= 32 && q.oh >= 4 && q.ow >= 4
}

// winoKey names a group's transformed filters, for the forward pass or the
// gradient.
type winoKey struct {
	w        *float32
	n, g     int
	gradient bool
}

// winoCache holds transformed filters, computed on first use.
type winoCache struct {
	mu sync.Mutex
	u  map[winoKey][]float32
}

// winoFilters returns group g's filters transformed: for the forward pass
// U_ξ [cg × mg], for the gradient (filters flipped, channels swapped)
// U_ξ [mg × cg].
func (c conv) winoFilters(q convGeom, w []float32, g int, gradient bool) []float32 {
	key := winoKey{&w[0], len(w), g, gradient}
	pc := c.packs
	pc.wino.mu.Lock()
	defer pc.wino.mu.Unlock()
	if u, ok := pc.wino.u[key]; ok {
		return u
	}
	if pc.wino.u == nil {
		pc.wino.u = map[winoKey][]float32{}
	}
	u := make([]float32, 16*q.cg*q.mg)
	for o := 0; o < q.mg; o++ {
		for i := 0; i < q.cg; i++ {
			f := w[((g*q.mg+o)*q.cg+i)*9:][:9]
			var t [16]float32
			if gradient {
				var r [9]float32
				for k := range r {
					r[k] = f[8-k]
				}
				t = winoFilter(r[:])
				for xi, v := range t {
					u[xi*q.cg*q.mg+o*q.cg+i] = v
				}
				continue
			}
			t = winoFilter(f)
			for xi, v := range t {
				u[xi*q.cg*q.mg+i*q.mg+o] = v
			}
		}
	}
	pc.wino.u[key] = u
	return u
}

// winoFilter is G f Gᵀ for a 3×3 filter f, G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
func winoFilter(f []float32) [16]float32 {
	var gf [4][3]float32 // G f
	for j := 0; j < 3; j++ {
		a, b, c := f[j], f[3+j], f[6+j]
		gf[0][j] = a
		gf[1][j] = (a + b + c) * 0.5
		gf[2][j] = (a - b + c) * 0.5
		gf[3][j] = c
	}
	var u [16]float32
	for i := 0; i < 4; i++ {
		a, b, c := gf[i][0], gf[i][1], gf[i][2]
		u[i*4+0] = a
		u[i*4+1] = (a + b + c) * 0.5
		u[i*4+2] = (a - b + c) * 0.5
		u[i*4+3] = c
	}
	return u
}

// winoConv convolves the p.c planes of x with transformed filters u into
// the p.m planes of y, adding bias (if any) and applying the Relu (if
// relu). v and o are scratch of p.vSize() and p.oSize().
func winoConv(p winoPlan, x, u, bias []float32, relu bool, y, v, o []float32) {
	winoInput(p, x, v)
	mr := gemmPanelRows
	vs, us, os := p.panels*mr*p.c, p.c*p.m, p.tiles*p.m
	ParallelFor(16, func(xi int) {
		// Runs serially inside the ParallelFor: one product per core.
		gemmPacked(v[xi*vs:(xi+1)*vs], p.tiles, p.m, p.c, u[xi*us:(xi+1)*us], p.m, 0, o[xi*os:(xi+1)*os], p.m)
	})
	winoOutput(p, o, bias, relu, y)
}

// winoInput writes V = Bᵀ d B for every channel and tile d into v, in the
// packed layout: V_ξ's row t (a tile), column ch at
// [ξ][t/mr][ch·mr + t%mr] (see vec.WinoInput6). Each channel is first
// copied into a zero-bordered plane that holds every tile whole.
func winoInput(p winoPlan, x, v []float32) {
	mr := gemmPanelRows
	vs := p.panels * mr * p.c
	hp, wp := 2*p.th+2, 2*p.tw+2 // padded plane: (0, 0) is input (−pt, −pl)
	offs := make([]int32, 8*p.panels)
	for i := range offs {
		if t := i/8*mr + i%8; i%8 < mr && t < p.tiles {
			offs[i] = int32(2*(t/p.tw)*wp + 2*(t%p.tw))
		}
	}
	const chunk = 8 // channels a task takes, sharing one padded plane
	ParallelFor((p.c+chunk-1)/chunk, func(task int) {
		pad := make([]float32, hp*wp)
		for ch := task * chunk; ch < min(p.c, (task+1)*chunk); ch++ {
			plane := x[ch*p.h*p.w : (ch+1)*p.h*p.w]
			clear(pad)
			for py := 0; py < hp; py++ {
				iy := py - p.pt
				if iy < 0 || iy >= p.h {
					continue
				}
				// Columns px with 0 ≤ px − pl < w.
				px0, px1 := max(0, p.pl), min(wp, p.w+p.pl)
				if px1 > px0 {
					copy(pad[py*wp+px0:py*wp+px1], plane[iy*p.w+px0-p.pl:])
				}
			}
			// The task's last channel must not spill into the next
			// task's first.
			last := ch == min(p.c, (task+1)*chunk)-1
			vec.WinoInput6(pad, offs, wp, v[ch*mr:], vs, p.c*mr, !last)
		}
	})
}

// winoOutput writes Aᵀ M A for every tile and output channel, M the 16
// products o[ξ][t][m], to y (bias added, Relu applied), Aᵀ = [1 1 1 0;
// 0 1 −1 −1]; tiles past the output's edge write only their inside.
func winoOutput(p winoPlan, o, bias []float32, relu bool, y []float32) {
	os := p.tiles * p.m
	sp := p.oh * p.ow
	ParallelFor(p.th, func(ty int) {
		for tx := 0; tx < p.tw; tx++ {
			t := ty*p.tw + tx
			oy, ox := 2*ty, 2*tx
			full := oy+2 <= p.oh && ox+2 <= p.ow
			var s [16][]float32
			for xi := range s {
				s[xi] = o[xi*os+t*p.m:][:p.m]
			}
			for m := 0; m < p.m; m++ {
				var am [2][4]float32 // Aᵀ M
				for c := 0; c < 4; c++ {
					a, b, cc, e := s[c][m], s[4+c][m], s[8+c][m], s[12+c][m]
					am[0][c] = a + b + cc
					am[1][c] = b - cc - e
				}
				b0 := float32(0)
				if bias != nil {
					b0 = bias[m]
				}
				var r [2][2]float32
				for i := 0; i < 2; i++ {
					a, b, c, e := am[i][0], am[i][1], am[i][2], am[i][3]
					r[i][0] = a + b + c + b0
					r[i][1] = b - c - e + b0
				}
				if relu {
					for i := range r {
						r[i][0], r[i][1] = max(r[i][0], 0), max(r[i][1], 0)
					}
				}
				dst := y[m*sp:]
				if full {
					dst[oy*p.ow+ox], dst[oy*p.ow+ox+1] = r[0][0], r[0][1]
					dst[(oy+1)*p.ow+ox], dst[(oy+1)*p.ow+ox+1] = r[1][0], r[1][1]
					continue
				}
				for i := 0; i < 2 && oy+i < p.oh; i++ {
					for j := 0; j < 2 && ox+j < p.ow; j++ {
						dst[(oy+i)*p.ow+ox+j] = r[i][j]
					}
				}
			}
		}
	})
}

// winoForward is Forward through F(2×2, 3×3), an image and group at a time.
func (c conv) winoForward(q convGeom, x, w, bias, y []float32) {
	p := newWinoPlan(q.cg, q.h, q.w, c.p.Pads[0], c.p.Pads[1], q.mg, q.oh, q.ow)
	v, o := c.packs.take(p.vSize()), c.packs.take(p.oSize())
	defer c.packs.give(v)
	defer c.packs.give(o)
	for n := 0; n < q.n; n++ {
		for g := 0; g < q.g; g++ {
			var b []float32
			if bias != nil {
				b = bias[g*q.mg : (g+1)*q.mg]
			}
			winoConv(p, x[(n*q.c+g*q.cg)*q.h*q.w:], c.winoFilters(q, w, g, false), b, c.relu,
				y[(n*q.m+g*q.mg)*q.p:], v, o)
		}
	}
}

// winoBackward is Backward through F(2×2, 3×3): the gradient gy (the Relu's
// already applied) convolved with the flipped, swapped filters, pads 2 − p,
// written over gx.
func (c conv) winoBackward(q convGeom, w, gy, gx []float32) {
	p := newWinoPlan(q.mg, q.oh, q.ow, 2-c.p.Pads[0], 2-c.p.Pads[1], q.cg, q.h, q.w)
	v, o := c.packs.take(p.vSize()), c.packs.take(p.oSize())
	defer c.packs.give(v)
	defer c.packs.give(o)
	for n := 0; n < q.n; n++ {
		for g := 0; g < q.g; g++ {
			winoConv(p, gy[(n*q.m+g*q.mg)*q.p:], c.winoFilters(q, w, g, true), nil, false,
				gx[(n*q.c+g*q.cg)*q.h*q.w:], v, o)
		}
	}
}
