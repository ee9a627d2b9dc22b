package graph

import (
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// A depthwise convolution (one filter per channel: MobileNets',
// EfficientNets' and ConvNeXt's) has too little arithmetic per value for a
// matrix product, so it runs as vector updates, one per filter tap.
//
// The padded input plane is split into phase planes by position modulo
// the stride (one plane at stride 1, four at stride 2), all of one row
// width wh. In a phase plane a tap's inputs for every output then lie at
// one fixed offset from the output's own flat index, oy·wh + ox, rows
// included: the whole plane is one run per tap (vec.Axpy over oh·wh
// values) instead of a short loop per row and tap, which ran at 3 GFLOP/s.
// The columns past ow in each run are scratch: forward they are dropped,
// backward the output gradient is zero there.

// dwPlan is the layout of one channel's phase planes and its taps.
type dwPlan struct {
	sh, sw int
	hh, wh int // rows and row width of each phase plane
	size   int // floats of one phase plane, with the margin the last run reads past
	n      int // oh·wh, the run of every tap
	taps   []dwTap
}

// dwTap is one filter tap: its phase plane and the offset of its run.
type dwTap struct{ at int }

func (c conv) dwPlan(q convGeom) dwPlan {
	sh, sw := c.p.Strides[0], c.p.Strides[1]
	dh, dw := c.p.Dilations[0], c.p.Dilations[1]
	pt, pl := c.p.Pads[0], c.p.Pads[1]
	hp := max(pt+q.h, (q.oh-1)*sh+(q.kh-1)*dh+1)
	wp := max(pl+q.w, (q.ow-1)*sw+(q.kw-1)*dw+1)
	p := dwPlan{sh: sh, sw: sw, hh: (hp + sh - 1) / sh, wh: (wp + sw - 1) / sw}
	p.n = q.oh * p.wh
	p.size = p.hh*p.wh + (q.kw-1)*dw/sw
	for ki := 0; ki < q.kh; ki++ {
		for kj := 0; kj < q.kw; kj++ {
			r, cc := ki*dh, kj*dw
			phase := (r%sh)*sw + cc%sw
			p.taps = append(p.taps, dwTap{phase*p.size + (r/sh)*p.wh + cc/sw})
		}
	}
	return p
}

// floats is the scratch one plane needs: the phase planes and a run.
func (p dwPlan) floats() int { return p.sh*p.sw*p.size + p.n }

// scatter writes plane src (h×w) into the phase planes ph, zero elsewhere.
func (p dwPlan) scatter(c conv, q convGeom, src, ph []float32) {
	clear(ph)
	pt, pl := c.p.Pads[0], c.p.Pads[1]
	for iy := 0; iy < q.h; iy++ {
		r := iy + pt
		row := src[iy*q.w : (iy+1)*q.w]
		base := (r % p.sh) * p.sw * p.size
		at := (r/p.sh)*p.wh + pl/p.sw
		switch {
		case p.sw == 1:
			copy(ph[base+at:], row)
		case p.sw == 2:
			e, o := p.halves(ph, base, at, pl)
			half := q.w / 2
			vec.Deinterleave(e[:half], o[:half], row)
			if q.w%2 == 1 {
				e[half] = row[q.w-1]
			}
		default:
			for ix, v := range row {
				cc := ix + pl
				ph[base+(cc%p.sw)*p.size+(r/p.sh)*p.wh+cc/p.sw] = v
			}
		}
	}
}

// halves are where a row's even and odd elements start in the two column
// phases of stride 2 (base: its row phase, at: its place in a phase
// plane): even padded columns are phase 0, odd ones phase 1, so an odd
// left pad swaps them.
func (p dwPlan) halves(ph []float32, base, at, pl int) (e, o []float32) {
	if pl%2 == 1 {
		return ph[base+p.size+at:], ph[base+at+1:]
	}
	return ph[base+at:], ph[base+p.size+at:]
}

// gather sets plane dst (h×w) from the phase planes ph: scatter's inverse.
func (p dwPlan) gather(c conv, q convGeom, ph, dst []float32) {
	pt, pl := c.p.Pads[0], c.p.Pads[1]
	for iy := 0; iy < q.h; iy++ {
		r := iy + pt
		row := dst[iy*q.w : (iy+1)*q.w]
		base := (r % p.sh) * p.sw * p.size
		at := (r/p.sh)*p.wh + pl/p.sw
		switch p.sw {
		case 1:
			copy(row, ph[base+at:])
			continue
		case 2:
			e, o := p.halves(ph, base, at, pl)
			half := q.w / 2
			e, o = e[:half+q.w%2], o[:half]
			for i, v := range o {
				row[2*i], row[2*i+1] = e[i], v
			}
			if q.w%2 == 1 {
				row[q.w-1] = e[half]
			}
			continue
		}
		for ix := range row {
			cc := ix + pl
			row[ix] = ph[base+(cc%p.sw)*p.size+(r/p.sh)*p.wh+cc/p.sw]
		}
	}
}

// depthwise computes the forward pass, channels in parallel.
func (c conv) depthwise(q convGeom, x, w, bias, y []float32) {
	p := c.dwPlan(q)
	k := q.kh * q.kw
	parallel.For(q.n*q.c, func(nc int) {
		buf := c.packs.take(p.floats())
		defer c.packs.give(buf)
		ph, run := buf[:len(buf)-p.n], buf[len(buf)-p.n:]
		p.scatter(c, q, x[nc*q.h*q.w:(nc+1)*q.h*q.w], ph)
		b := float32(0)
		if bias != nil {
			b = bias[nc%q.c]
		}
		for i := range run {
			run[i] = b
		}
		filter := w[(nc%q.c)*k : (nc%q.c+1)*k]
		for t, tap := range p.taps {
			vec.Axpy(run, ph[tap.at:tap.at+p.n], filter[t])
		}
		dst := y[nc*q.p : (nc+1)*q.p]
		for oy := 0; oy < q.oh; oy++ {
			copy(dst[oy*q.ow:(oy+1)*q.ow], run[oy*p.wh:])
		}
	})
}

// depthwiseBackward sets the input gradient gx from gy: each tap's run
// added back into the phase planes, then gathered.
func (c conv) depthwiseBackward(q convGeom, w, gy, gx []float32) {
	p := c.dwPlan(q)
	k := q.kh * q.kw
	parallel.For(q.n*q.c, func(nc int) {
		buf := c.packs.take(p.floats())
		defer c.packs.give(buf)
		ph, run := buf[:len(buf)-p.n], buf[len(buf)-p.n:]
		src := gy[nc*q.p : (nc+1)*q.p]
		for oy := 0; oy < q.oh; oy++ {
			r := run[oy*p.wh : (oy+1)*p.wh]
			clear(r[copy(r, src[oy*q.ow:(oy+1)*q.ow]):])
		}
		clear(ph)
		filter := w[(nc%q.c)*k : (nc%q.c+1)*k]
		for t, tap := range p.taps {
			vec.Axpy(ph[tap.at:tap.at+p.n], run, filter[t])
		}
		p.gather(c, q, ph, gx[nc*q.h*q.w:(nc+1)*q.h*q.w])
	})
}
