package graph

import (
	"sync"

	"github.com/invrep/invrep/graph/gemm"
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/scratch"
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
// and U_ξ, computed once, is read in place (wide maps swap the two roles,
// see winoPlan.cols).
//
// A 5×5 filter is four 3×3 blocks, at row and column offsets 0 and 2 (the
// blocks at 2 without their first row or column, which the blocks at 0
// hold): a block at offset 2 reads the tile one over, so the same
// transformed tiles serve all four, and the four products are one with
// four times the depth. That is 64 products per 2×2 outputs in place of
// 100.
//
// The input gradient of such a convolution is one too (the filters flipped
// and their channels swapped, the pads k−1−p), so both passes use it. The
// transforms only add and halve, so results differ from the direct
// product's by a few roundings.

// panelRows is the rows of the packed layout the product takes
// (gemm.Packer), 0 where there is no packed product.
var panelRows = func() int {
	if packer == nil {
		return 0
	}
	return packer.PanelRows()
}()

// winoPlan is the geometry of one F(2×2, 3×3) convolution of c input
// planes h×w, pads pt and pl, with a k×k filter (3, or 5 as four blocks),
// into m output planes oh×ow.
type winoPlan struct {
	c, h, w, pt, pl, k, m, oh, ow int
	th, tw, tiles, panels         int
	blocks                        int // 3×3 blocks of the filter: 1 or 4
	// cols: the tiles are the products' columns (V_ξ [depth × tiles] times
	// packed filters), for maps wide enough that a row of tiles fills
	// vectors of eight; else their rows (packed V_ξ [tiles × depth] times
	// U_ξ [depth × m]), which wastes less on the last 16-column panel of a
	// small map.
	cols bool
}

func newWinoPlan(c, h, w, pt, pl, k, m, oh, ow int) winoPlan {
	p := winoPlan{c: c, h: h, w: w, pt: pt, pl: pl, k: k, m: m, oh: oh, ow: ow, blocks: 1}
	if k == 5 {
		p.blocks = 4
	}
	p.th, p.tw = (oh+1)/2, (ow+1)/2
	p.tiles = p.th * p.tw
	p.panels = (p.tiles + panelRows - 1) / panelRows
	p.cols = p.tw >= 8
	return p
}

// depth is the products' depth: every block's channels.
func (p winoPlan) depth() int { return p.blocks * p.c }

// vSize and oSize are the lengths of the transformed inputs (packed) and
// of the 16 products.
func (p winoPlan) vSize() int {
	if p.cols {
		return 16 * p.depth() * p.tiles
	}
	return 16 * p.panels * panelRows * p.depth()
}
func (p winoPlan) oSize() int { return 16 * p.tiles * p.m }

// blockOffset is block b's row and column offset in the filter.
func blockOffset(b int) (int, int) { return 2 * (b / 2), 2 * (b % 2) }

// winoUsable reports whether c can run as F(2×2, 3×3): 3×3 or 5×5,
// stride 1, no dilation, pads of at most k−1 (the gradient's are
// k−1−pad), constant weights
// and a packed product of six-row panels (vec.WinoInput6 writes them), and
// enough channels that the 16 products are not thin.
func (c conv) winoUsable(q convGeom) bool {
	if c.p.Exact || panelRows != 6 || c.packs == nil || q.kh != q.kw || (q.kh != 3 && q.kh != 5) || c.p.Strides != [2]int{1, 1} || c.p.Dilations != [2]int{1, 1} {
		return false
	}
	for _, p := range c.p.Pads {
		if p > q.kh-1 {
			return false
		}
	}
	if q.cg < 32 || q.mg < 32 || q.oh < 4 || q.ow < 4 {
		return false
	}
	// The transforms hold the whole map, 16 values per 2×2 tile and
	// channel in and out: at 1024² and 64 + 32 channels, 1.6 GB, which the
	// banded im2col avoids at a few per cent of the time. (An FPN level of
	// 256 channels at 200², 330 MB, keeps Winograd: 1.7 s a step against
	// 2.0 s without.)
	tiles := ((q.oh + 1) / 2) * ((q.ow + 1) / 2)
	return 16*tiles*(q.cg+q.mg)*4 <= winoMaxBytes
}

// winoMaxBytes bounds the Winograd transforms of one convolution.
const winoMaxBytes = 512 << 20

// winoGradUsable says whether the input gradient takes the Winograd path
// too. A 5×5 gradient transforms the output gradient's mg channels where
// the forward pass transforms the input's cg: with more of them (AlexNet's
// conv2, 48 → 128 a group) the direct product and col2im are faster, 5.9
// → 4.7 ms forward and back (BenchmarkConvCaffeNet2Grad); with 3×3 filters
// Winograd stays ahead (CaffeNet's conv3, 256 → 384).
func (c conv) winoGradUsable(q convGeom) bool {
	return c.winoUsable(q) && !(q.kh == 5 && q.mg > q.cg)
}

// winoKey names a group's transformed filters, for the forward pass or the
// gradient.
type winoKey struct {
	w              *float32
	n, g           int
	gradient, cols bool
}

// winoCache holds transformed filters, computed on first use.
type winoCache struct {
	mu sync.Mutex
	u  map[winoKey][]float32
}

// winoFilters returns group g's filters transformed, block by block: for
// the forward pass U_ξ [blocks·cg × mg], for the gradient (filters
// flipped, channels swapped) U_ξ [blocks·mg × cg]; row b·channels + i is
// block b of input channel i.
//
// With cols, each U_ξ is transposed and packed for gemmPacked instead, the
// 16 of them one after another.
func (c conv) winoFilters(q convGeom, w []float32, g int, gradient, cols bool) []float32 {
	key := winoKey{&w[0], len(w), g, gradient, cols}
	pc := c.packs
	pc.wino.mu.Lock()
	defer pc.wino.mu.Unlock()
	if u, ok := pc.wino.u[key]; ok {
		return u
	}
	if pc.wino.u == nil {
		pc.wino.u = map[winoKey][]float32{}
	}
	k := q.kh
	blocks := 1
	if k == 5 {
		blocks = 4
	}
	in, out := q.cg, q.mg // the product's input and output channels
	if gradient {
		in, out = q.mg, q.cg
	}
	depth := blocks * in
	u := make([]float32, 16*depth*out)
	f := make([]float32, k*k)
	for o := 0; o < out; o++ {
		for i := 0; i < in; i++ {
			if gradient { // filter (m = i, c = o), flipped
				src := w[((g*q.mg+i)*q.cg+o)*k*k:][:k*k]
				for t := range f {
					f[t] = src[k*k-1-t]
				}
			} else {
				copy(f, w[((g*q.mg+o)*q.cg+i)*k*k:][:k*k])
			}
			for b := 0; b < blocks; b++ {
				var blk [9]float32
				by, bx := blockOffset(b)
				for r := 0; r < 3; r++ {
					for s := 0; s < 3; s++ {
						// A block at offset 2 leaves its first row or
						// column to the block at 0.
						if blocks > 1 && (by > 0 && r == 0 || bx > 0 && s == 0) {
							continue
						}
						blk[r*3+s] = f[(by+r)*k+bx+s]
					}
				}
				t := winoFilter(blk[:])
				for xi, v := range t {
					u[xi*depth*out+(b*in+i)*out+o] = v
				}
			}
		}
	}
	if cols {
		var packed []float32
		ut := make([]float32, depth*out)
		for xi := 0; xi < 16; xi++ {
			for r := 0; r < depth; r++ {
				for o := 0; o < out; o++ {
					ut[o*depth+r] = u[xi*depth*out+r*out+o]
				}
			}
			packed = append(packed, packer.PackA(false, out, depth, ut, depth)...)
		}
		u = packed
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
	if p.cols {
		winoConvCols(p, x, u, bias, relu, y, v, o)
		return
	}
	winoInput(p, x, v)
	mr := panelRows
	d := p.depth()
	vs, us, os := p.panels*mr*d, d*p.m, p.tiles*p.m
	parallel.For(16, func(xi int) {
		// Runs serially inside the parallel.For: one product per core.
		packer.MulPacked(v[xi*vs:(xi+1)*vs], p.tiles, p.m, d, u[xi*us:(xi+1)*us], p.m, 0, o[xi*os:(xi+1)*os], p.m, gemm.Epilogue{})
	})
	winoOutput(p, o, bias, relu, y)
}

// winoConvCols is winoConv with the tiles as the products' columns: V_ξ
// [depth × tiles] and the 16 products [m × tiles] row by row, a row of
// tiles eight at a time.
func winoConvCols(p winoPlan, x, u, bias []float32, relu bool, y, v, o []float32) {
	d := p.depth()
	vs, os := d*p.tiles, p.m*p.tiles
	us := len(u) / 16
	pad := winoPadding(p)
	pad.eachChannel(p, x, func(ch int, buf []float32, _ bool) {
		for b := 0; b < p.blocks; b++ {
			by, bx := blockOffset(b)
			for ty := 0; ty < p.th; ty++ {
				vec.WinoInputRow(buf[(2*ty+by)*pad.wp+bx:], pad.wp, v[(b*p.c+ch)*p.tiles+ty*p.tw:], vs, p.tw)
			}
		}
	})
	parallel.For(16, func(xi int) {
		// Runs serially inside the parallel.For: one product per core.
		packer.MulPacked(u[xi*us:(xi+1)*us], p.m, p.tiles, d, v[xi*vs:(xi+1)*vs], p.tiles, 0, o[xi*os:(xi+1)*os], p.tiles, gemm.Epilogue{})
	})
	sp := p.oh * p.ow
	parallel.For(p.m, func(m int) {
		b := float32(0)
		if bias != nil {
			b = bias[m]
		}
		plane := y[m*sp : (m+1)*sp]
		for ty := 0; ty < p.th; ty++ {
			y0 := plane[2*ty*p.ow : (2*ty+1)*p.ow]
			var y1 []float32
			if 2*ty+1 < p.oh {
				y1 = plane[(2*ty+1)*p.ow : (2*ty+2)*p.ow]
			}
			vec.WinoOutputRow(o[m*p.tiles+ty*p.tw:], os, y0, y1, p.tw, b, relu)
		}
	})
}

// winoChunk is the channels an input-transform task takes, sharing one
// padded plane (see winoPad.eachChannel).
const winoChunk = 8

// winoPad is the zero-bordered plane that holds every tile of a plan
// whole, for the blocks at offset 2 too: its (0, 0) is input (−pt, −pl).
type winoPad struct {
	hp, wp, pt, pl, h, w int
}

func winoPadding(p winoPlan) winoPad {
	ext := (p.k - 3) / 2 // tiles past the output's, for the blocks at 2
	return winoPad{hp: 2*(p.th+ext) + 2, wp: 2*(p.tw+ext) + 2, pt: p.pt, pl: p.pl, h: p.h, w: p.w}
}

// eachChannel calls f for the input channels of x in tasks of winoChunk
// in parallel, in order within a task, with the channel copied into a
// padded plane buf; last is set for a task's last channel.
func (pd winoPad) eachChannel(p winoPlan, x []float32, f func(ch int, buf []float32, last bool)) {
	parallel.For((p.c+winoChunk-1)/winoChunk, func(task int) {
		buf := scratch.Take(pd.hp * pd.wp)
		defer scratch.Give(buf)
		end := min(p.c, (task+1)*winoChunk)
		for ch := task * winoChunk; ch < end; ch++ {
			pd.fill(buf, x[ch*p.h*p.w:(ch+1)*p.h*p.w])
			f(ch, buf, ch == end-1)
		}
	})
}

// fill copies an input plane into buf, zero around it.
func (pd winoPad) fill(buf, plane []float32) {
	clear(buf)
	px0, px1 := max(0, pd.pl), min(pd.wp, pd.w+pd.pl) // 0 ≤ px − pl < w
	if px1 <= px0 {
		return
	}
	for py := 0; py < pd.hp; py++ {
		if iy := py - pd.pt; iy >= 0 && iy < pd.h {
			copy(buf[py*pd.wp+px0:py*pd.wp+px1], plane[iy*pd.w+px0-pd.pl:])
		}
	}
}

// winoInput writes V = Bᵀ d B for every channel, block and tile d into v,
// in the packed layout: V_ξ's row t (a tile), column b·c + ch (block b of
// channel ch) at [ξ][t/mr][(b·c + ch)·mr + t%mr] (see vec.WinoInput6); a
// block at offset (2, 0) or (0, 2) takes the tile one below or to the
// right.
func winoInput(p winoPlan, x, v []float32) {
	mr := panelRows
	d := p.depth()
	vs := p.panels * mr * d
	pad := winoPadding(p)
	wp := pad.wp
	offs := make([]int32, 8*p.panels) // tile corners in the padded plane
	for i := range offs {
		if t := i/8*mr + i%8; i%8 < mr && t < p.tiles {
			offs[i] = int32(2*(t/p.tw)*wp + 2*(t%p.tw))
		}
	}
	shifted := make([][]int32, p.blocks)
	for b := range shifted {
		by, bx := blockOffset(b)
		shifted[b] = make([]int32, len(offs))
		for i, o := range offs {
			shifted[b][i] = o + int32(by*wp+bx)
		}
	}
	pad.eachChannel(p, x, func(ch int, buf []float32, last bool) {
		// A task's last channel must not spill into the next task's
		// first.
		for b, offs := range shifted {
			vec.WinoInput6(buf, offs, wp, v[(b*p.c+ch)*mr:], vs, d*mr, !last)
		}
	})
}

// winoOutput writes Aᵀ M A for every tile and output channel, M the 16
// products o[ξ][t][m], to y (bias added, Relu applied), Aᵀ = [1 1 1 0;
// 0 1 −1 −1]; tiles past the output's edge write only their inside.
func winoOutput(p winoPlan, o, bias []float32, relu bool, y []float32) {
	os := p.tiles * p.m
	sp := p.oh * p.ow
	// Tasks are runs of output channels, each over every tile: a channel's
	// plane is then written by one core alone (split by tiles, two cores
	// wrote the same cache lines at once), and within a tile the 16
	// products are read as runs over the task's channels, the transform
	// written out inline (gathering each channel's 16 into an array took
	// a third of a 14×14 gradient's time).
	const run = 8
	parallel.For((p.m+run-1)/run, func(task int) {
		m0, m1 := task*run, min(p.m, (task+1)*run)
		for t := 0; t < p.tiles; t++ {
			ty, tx := t/p.tw, t%p.tw
			oy, ox := 2*ty, 2*tx
			full := oy+2 <= p.oh && ox+2 <= p.ow
			var s [16][]float32
			for xi := range s {
				s[xi] = o[xi*os+t*p.m+m0:][:m1-m0]
			}
			s0, s1, s2, s3, s4, s5, s6, s7 := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
			s8, s9, s10, s11, s12, s13, s14, s15 := s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15]
			at := oy*p.ow + ox
			for i := range s0 {
				// Aᵀ M: rows 0 and 1 of four columns, then times A.
				a0, a1 := s0[i]+s4[i]+s8[i], s4[i]-s8[i]-s12[i]
				b0, b1 := s1[i]+s5[i]+s9[i], s5[i]-s9[i]-s13[i]
				c0, c1 := s2[i]+s6[i]+s10[i], s6[i]-s10[i]-s14[i]
				d0, d1 := s3[i]+s7[i]+s11[i], s7[i]-s11[i]-s15[i]
				m := m0 + i
				bm := float32(0)
				if bias != nil {
					bm = bias[m]
				}
				r00, r01 := a0+b0+c0+bm, b0-c0-d0+bm
				r10, r11 := a1+b1+c1+bm, b1-c1-d1+bm
				if relu {
					r00, r01, r10, r11 = max(r00, 0), max(r01, 0), max(r10, 0), max(r11, 0)
				}
				dst := y[m*sp:]
				if full {
					dst[at], dst[at+1] = r00, r01
					dst[at+p.ow], dst[at+p.ow+1] = r10, r11
					continue
				}
				r := [2][2]float32{{r00, r01}, {r10, r11}}
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
	p := newWinoPlan(q.cg, q.h, q.w, c.p.Pads[0], c.p.Pads[1], q.kh, q.mg, q.oh, q.ow)
	v, o := c.packs.take(p.vSize()), c.packs.take(p.oSize())
	defer c.packs.give(v)
	defer c.packs.give(o)
	for n := 0; n < q.n; n++ {
		for g := 0; g < q.g; g++ {
			var b []float32
			if bias != nil {
				b = bias[g*q.mg : (g+1)*q.mg]
			}
			winoConv(p, x[(n*q.c+g*q.cg)*q.h*q.w:], c.winoFilters(q, w, g, false, p.cols), b, c.relu,
				y[(n*q.m+g*q.mg)*q.p:], v, o)
		}
	}
}

// winoBackward is Backward through F(2×2, 3×3): the gradient gy (the Relu's
// already applied) convolved with the flipped, swapped filters, pads
// k − 1 − p, written over gx.
func (c conv) winoBackward(q convGeom, w, gy, gx []float32) {
	k := q.kh
	p := newWinoPlan(q.mg, q.oh, q.ow, k-1-c.p.Pads[0], k-1-c.p.Pads[1], k, q.cg, q.h, q.w)
	v, o := c.packs.take(p.vSize()), c.packs.take(p.oSize())
	defer c.packs.give(v)
	defer c.packs.give(o)
	for n := 0; n < q.n; n++ {
		for g := 0; g < q.g; g++ {
			winoConv(p, gy[(n*q.m+g*q.mg)*q.p:], c.winoFilters(q, w, g, true, p.cols), nil, false,
				gx[(n*q.c+g*q.cg)*q.h*q.w:], v, o)
		}
	}
}
