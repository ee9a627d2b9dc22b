package handcrafted

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// cellWeight is one pixel's bilinear weight in one cell along an axis.
type cellWeight struct {
	cell int
	w    float32
}

// histogram is orientation binning followed by bilinear spatial pooling into
// cells (hog_net and dsift_net layers 2 and 3) as one kernel: each pixel's
// binned gradient goes straight to the (up to) 2×2 cells around it. As
// separate layers, the pooling would be a 2b×2b depthwise convolution over
// K histogram planes that are zero but for one or two bins per pixel.
//
// Spatial weights are separable: rows[y] and cols[x] list the cells a
// pixel row or column contributes to, with their weights.
type histogram struct {
	bins       binning
	rows, cols [][]cellWeight
	nr, nc     int
	memo       *graph.Memo // the pixels' bins, from forward to backward
	// pairs is cols with every pixel's (at most two) cells side by side,
	// nil where some pixel reaches more.
	pairs *colArrays
	// groups[r] lists the pixel rows whose first row of cells is r, where
	// every pixel row reaches at most two rows of cells, one after the
	// other; nil otherwise.
	groups [][]int
	// runs is cols by cell, for the vector pooling of hard bins; nil
	// where a cell's pixels are not one run of at most 16 or K > 32.
	runs *cellRuns
	// tables is onehot, then its rows shifted by one bin (mod K), as the
	// vector pooling of bilinear bins reads them; nil where K > 32.
	tables *[2 * 32 * 32]float32
	// lanes is the floats a cell takes in the vector kernels' [cell][lanes
	// bins] layout: 16 for bilinear binning into at most 16 bins (DSIFT's
	// 8), else 32.
	lanes   int
	scratch *[]float32 // Forward's per-group histograms, reused
	grads   *[]float32 // Backward's output gradient by cells, reused
}

// cellRuns lists, for each column of cells c, the run of pixel columns
// that reach it: span[2c] is the first, span[2c+1] how many (1 to 16),
// w[16c:16c+16] their weights, zero-padded.
type cellRuns struct {
	span []int32
	w    []float32
	// pixels is the row width; reach the end of the longest read of bins,
	// each run rounded up to four pixels.
	pixels, reach int
}

// newCellRuns returns cols by cell, or nil where a cell's pixels are not
// one run of at most 16.
func newCellRuns(cols [][]cellWeight, nc int) *cellRuns {
	r := &cellRuns{span: make([]int32, 2*nc), w: make([]float32, 16*nc), pixels: len(cols)}
	for j, cws := range cols {
		for _, cw := range cws {
			c, n := cw.cell, r.span[2*cw.cell+1]
			if n == 0 {
				r.span[2*c] = int32(j)
			}
			if n == 16 || int(r.span[2*c]+n) != j {
				return nil
			}
			r.w[16*c+int(n)] = cw.w
			r.span[2*c+1]++
		}
	}
	for c := 0; c < nc; c++ {
		if r.span[2*c+1] == 0 {
			return nil
		}
		r.reach = max(r.reach, int(r.span[2*c]+(r.span[2*c+1]+3)&^3))
	}
	return r
}

// colArrays is the pixels' cell pairs (see cellPair) as one array per
// field, as the vector kernels read them.
type colArrays struct {
	c0, c1 []int32
	w0, w1 []float32
}

// cellPair is a pixel's two cells along an axis; a pixel in one cell has
// the second weight 0, one in none both.
type cellPair struct {
	c0, c1 int32
	w0, w1 float32
}

// at is pixel j's pair.
func (a *colArrays) at(j int) cellPair { return cellPair{a.c0[j], a.c1[j], a.w0[j], a.w1[j]} }

func newHistogram(bins binning, rows, cols [][]cellWeight, nr, nc int) histogram {
	k := histogram{bins: bins, rows: rows, cols: cols, nr: nr, nc: nc, memo: &graph.Memo{}, scratch: new([]float32), grads: new([]float32)}
	k.groups = make([][]int, nr)
	for i, rs := range rows {
		if len(rs) > 2 || len(rs) == 2 && rs[1].cell != rs[0].cell+1 {
			k.groups = nil
			break
		}
		if len(rs) > 0 {
			k.groups[rs[0].cell] = append(k.groups[rs[0].cell], i)
		}
	}
	n := len(cols)
	pairs := &colArrays{make([]int32, n), make([]int32, n), make([]float32, n), make([]float32, n)}
	for j, cw := range cols {
		switch len(cw) {
		case 0:
		case 1:
			pairs.c0[j], pairs.c1[j], pairs.w0[j] = int32(cw[0].cell), int32(cw[0].cell), cw[0].w
		case 2:
			pairs.c0[j], pairs.c1[j] = int32(cw[0].cell), int32(cw[1].cell)
			pairs.w0[j], pairs.w1[j] = cw[0].w, cw[1].w
		default:
			return k
		}
	}
	k.pairs = pairs
	if bins.k <= 32 {
		k.runs = newCellRuns(cols, nc)
		k.lanes = 32
		if bins.bilinear && bins.k <= 16 {
			k.lanes = 16
		}
		k.tables = new([2 * 32 * 32]float32)
		for b := 0; b < 32; b++ {
			k.tables[b*33] = 1
			if b < bins.k {
				k.tables[32*32+32*b+(b+1)%bins.k] = 1
			}
		}
	}
	return k
}

// Overwrites implements graph.Overwriter: the backward pass through paired
// columns sets every pixel (the forward passes add to their cells).
func (k histogram) Overwrites(grad bool, _ int) bool { return grad && k.pairs != nil }

// hogAxis is VLFeat's HOG assignment: pixel x goes to cell c with weight
// 1 − |(x+0.5)/b − 0.5 − c|, cells 0..⌊n/b⌋−1.
func hogAxis(n, b int) ([][]cellWeight, int) {
	cells := n / b
	out := make([][]cellWeight, n)
	for x := 0; x < n; x++ {
		h := (float64(x)+0.5)/float64(b) - 0.5
		c := int(math.Floor(h))
		f := h - float64(c)
		for _, cw := range []cellWeight{{c, float32(1 - f)}, {c + 1, float32(f)}} {
			if cw.cell >= 0 && cw.cell < cells && cw.w > 0 {
				out[x] = append(out[x], cw)
			}
		}
	}
	return out, cells
}

// siftAxis is VLFeat's dense SIFT assignment: bins centred on pixels 0, b,
// 2b, …; pixel x goes to bin c with weight 1 − |x − cb|/b, and the image
// border is replicated (the edge pixels also take the weight of the
// positions beyond them).
func siftAxis(n, b int) ([][]cellWeight, int) {
	cells := (n-1)/b + 1
	acc := make([]map[int]float64, n)
	for i := range acc {
		acc[i] = map[int]float64{}
	}
	for c := 0; c < cells; c++ {
		for d := -(b - 1); d <= b-1; d++ {
			x := min(max(c*b+d, 0), n-1)
			acc[x][c] += 1 - math.Abs(float64(d))/float64(b)
		}
	}
	out := make([][]cellWeight, n)
	for x, m := range acc {
		for c := max(0, x/b-2); c <= min(cells-1, x/b+2); c++ {
			if w, ok := m[c]; ok {
				out[x] = append(out[x], cellWeight{c, float32(w)})
			}
		}
	}
	return out, cells
}

func (k histogram) String() string {
	return fmt.Sprintf("Histogram(%v,%dx%d cells)", k.bins, k.nr, k.nc)
}
func (k histogram) Diffable(int) bool { return true }
func (k histogram) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][1] != 2 || in[0][2] != len(k.rows) || in[0][3] != len(k.cols) {
		return nil, fmt.Errorf("want [N,2,%d,%d] gradients, got %v", len(k.rows), len(k.cols), in)
	}
	return []int{in[0][0], k.bins.k, k.nr, k.nc}, nil
}

// binned is each pixel's assignment, computed once by the forward pass
// and reused by the backward pass: bins lo and lo+1 (mod K) get (1−f)·m and
// f·m (hard binning: f = 0).
type binned struct {
	lo []int32
	f  []float32
	m  []float32
}

func (k histogram) assign(g []float32, shape []int) *binned {
	b := k.buffers(shape)
	parallel.For(shape[0]*shape[2], func(row int) { k.binRow(b, g, shape, row) })
	return b
}

// buffers returns the assignment's buffers, those of the last run where
// they fit: every pixel's m is written, and lo and f wherever m is not 0
// (hard binning leaves f at 0).
func (k histogram) buffers(shape []int) *binned {
	n := shape[0] * shape[2] * shape[3]
	b, ok := k.memo.Last().(*binned)
	if !ok || len(b.m) != n {
		// lo has 16 more, read (as bins 0) past the last runs of the
		// pooling kernels.
		b = &binned{lo: make([]int32, n+16), f: make([]float32, n), m: make([]float32, n)}
	}
	return b
}

// binRow assigns the pixels of one row (of all images' rows) of the
// gradients g.
func (k histogram) binRow(b *binned, g []float32, shape []int, row int) {
	h, w := shape[2], shape[3]
	sp := h * w
	img, i := row/h, row%h
	if !k.bins.bilinear {
		gi, o := img*2*sp+i*w, img*sp+i*w
		hardBins(b.lo[o:o+w], b.m[o:o+w], g[gi:gi+w], g[gi+sp:gi+sp+w], k.bins.ox, k.bins.oy)
		return
	}
	gi, o := img*2*sp+i*w, img*sp+i*w
	gxs, gys := g[gi:gi+w], g[gi+sp:gi+sp+w]
	ms, los, fs := b.m[o:o+w], b.lo[o:o+w], b.f[o:o+w]
	for j := bilinearBinVec(k.bins, los, fs, ms, gxs, gys); j < w; j++ {
		gx, gy := gxs[j], gys[j]
		m := float32(math.Sqrt(float64(gx*gx + gy*gy)))
		ms[j] = m
		if m == 0 {
			continue
		}
		nt := k.bins.angle(gx, gy)
		lo := int32(nt)
		los[j], fs[j] = lo, nt-float32(lo)
	}
}

// Forward pools in parallel by rows of cells: each takes the pixel rows
// that reach it, so no two write the same cell.
func (k histogram) Forward(in []*graph.Tensor, out *graph.Tensor) {
	y := out.Data
	h, w := in[0].Shape[2], in[0].Shape[3]
	csp := k.nr * k.nc
	if k.pairs != nil && k.groups != nil {
		b := k.buffers(in[0].Shape)
		k.poolByGroups(y, b, in[0].Data, in[0].Shape)
		k.memo.Put(in[0], b)
		return
	}
	b := k.assign(in[0].Data, in[0].Shape)
	reach := make([][]cellWeight, k.nr) // per cell row: pixel rows and weights
	for i, rs := range k.rows {
		for _, r := range rs {
			reach[r.cell] = append(reach[r.cell], cellWeight{i, r.w})
		}
	}
	parallel.For(in[0].Shape[0]*k.nr, func(t int) {
		img, cr := t/k.nr, t%k.nr
		base := img * k.bins.k * csp
		for _, pr := range reach[cr] {
			i, wr := pr.cell, pr.w
			for j := 0; j < w; j++ {
				o := (img*h+i)*w + j
				m := b.m[o]
				if m == 0 {
					continue
				}
				lo := int(b.lo[o])
				f := b.f[o]
				v0, v1 := (1-f)*m*wr, f*m*wr
				p0 := y[base+lo*csp+cr*k.nc:]
				p1 := y[base+((lo+1)%k.bins.k)*csp+cr*k.nc:]
				for _, c := range k.cols[j] {
					p0[c.cell] += v0 * c.w
					if f != 0 {
						p1[c.cell] += v1 * c.w
					}
				}
			}
		}
	})
	k.memo.Put(in[0], b)
}

// poolByGroups assigns the gradients g and pools the pixel rows a group at
// a time: those whose first row of cells is r reach only rows r and r+1,
// so groups of even r run in parallel, then those of odd r. Each pixel row
// is assigned and binned once into a histogram of its own over the
// columns of cells (the column weights only), which is then added with its
// row weights to its group's two rows of cells; the group adds those to
// the output at its end. Rows that reach no cell are not assigned: no pass
// reads them.
func (k histogram) poolByGroups(y []float32, b *binned, g []float32, shape []int) {
	images, h, w := shape[0], shape[2], shape[3]
	nb, nc, csp := k.bins.k, k.nc, k.nr*k.nc
	per := nb * nc
	// Per group: the row's histogram for even and odd pixels (see
	// binRowHard) and the two rows of cells.
	per = max(per, 16*nc) // poolCellsGroup's two rows of [cell][lanes ≤ 32]
	if len(*k.scratch) != images*k.nr*4*per {
		*k.scratch = make([]float32, images*k.nr*4*per)
	}
	scratch := *k.scratch
	tasks := (k.nr + 1) / 2
	for phase := 0; phase < 2; phase++ {
		parallel.For(images*tasks, func(t int) {
			img, r0 := t/tasks, t%tasks*2+phase
			if r0 >= k.nr || len(k.groups[r0]) == 0 {
				return
			}
			buf := scratch[(img*k.nr+r0)*4*per:][:4*per]
			if k.poolCellsGroup(y[img*nb*csp:], b, g, shape, img, r0, buf) {
				return
			}
			hr, acc := buf[:2*per], buf[2*per:]
			clear(acc)
			for _, i := range k.groups[r0] {
				k.binRow(b, g, shape, img*h+i)
				clear(hr)
				o := (img*h + i) * w
				ms, los, fs := b.m[o:o+w], b.lo[o:o+w], b.f[o:o+w]
				if k.bins.bilinear {
					k.binRowBilinear(hr[:per], ms, los, fs)
				} else {
					k.binRowHard(hr, ms, los)
				}
				for _, r := range k.rows[i] {
					vec.Axpy(acc[(r.cell-r0)*per:][:per], hr[:per], r.w)
				}
			}
			for q := 0; q < 2 && r0+q < k.nr; q++ {
				for bin := 0; bin < nb; bin++ {
					vec.Axpy(y[img*nb*csp+bin*csp+(r0+q)*nc:][:nc], acc[q*per+bin*nc:][:nc], 1)
				}
			}
		})
	}
}

// poolCellsGroup is poolByGroups' task for the group of cell row r0 of
// image img on the vector kernels (poolRowVec, poolRowBiVec): each pixel
// row is assigned, then pooled straight into the group's two rows of
// cells, laid out [cell][k.lanes bins]; these are added to the image's output y
// at the end. It reports false, doing nothing, where the kernels cannot
// serve.
func (k histogram) poolCellsGroup(y []float32, b *binned, g []float32, shape []int, img, r0 int, buf []float32) bool {
	if k.runs == nil || !has512 {
		return false
	}
	h, w := shape[2], shape[3]
	nb, nc, csp := k.bins.k, k.nc, k.nr*k.nc
	acc := buf[:2*k.lanes*nc]
	clear(acc)
	for _, i := range k.groups[r0] {
		k.binRow(b, g, shape, img*h+i)
		o := (img*h + i) * w
		rows := k.rows[i]
		out0, wr0 := acc[(rows[0].cell-r0)*k.lanes*nc:], rows[0].w
		out1, wr1 := out0, float32(0)
		if len(rows) > 1 {
			out1, wr1 = acc[(rows[1].cell-r0)*k.lanes*nc:], rows[1].w
		}
		var ok bool
		if k.bins.bilinear {
			ok = poolRowBiVec(out0, out1, wr0, wr1, b.m[o:o+w], b.f[o:o+w], b.lo[o:], k.runs, k.tables, k.lanes)
		} else {
			ok = poolRowVec(out0, out1, wr0, wr1, b.m[o:o+w], b.lo[o:], k.runs)
		}
		if !ok {
			return false // the generic pass redoes the group
		}
	}
	for q := 0; q < 2 && r0+q < k.nr; q++ {
		cellsToPlanes(y[(r0+q)*nc:], csp, acc[q*k.lanes*nc:][:k.lanes*nc], nb, nc, k.lanes)
	}
	return true
}

// cellsToPlanesGo is cellsToPlanes one value at a time.
func cellsToPlanesGo(dst []float32, csp int, src []float32, nb, nc, lanes int) {
	for bin := 0; bin < nb; bin++ {
		d := dst[bin*csp:][:nc]
		for c := range d {
			d[c] += src[lanes*c+bin]
		}
	}
}

// binRowBilinear is the first pass of poolByGroups for one row under
// bilinear binning: each pixel's (1−f)·m and f·m go to its two bins.
func (k histogram) binRowBilinear(hr, ms []float32, los []int32, fs []float32) {
	nb, nc := k.bins.k, k.nc
	for j, m := range ms {
		if m == 0 {
			continue
		}
		cp, lo, f := k.pairs.at(j), int(los[j]), fs[j]
		v := (1 - f) * m
		p := hr[lo*nc:]
		p[cp.c0] += v * cp.w0
		p[cp.c1] += v * cp.w1
		if f != 0 {
			v = f * m
			p = hr[(lo+1)%nb*nc:]
			p[cp.c0] += v * cp.w0
			p[cp.c1] += v * cp.w1
		}
	}
}

// binRowHard is the first pass of poolByGroups for one row under hard
// binning: its even pixels go to hr[:per], its odd ones to hr[per:], and the
// two are then added into hr[:per].
func (k histogram) binRowHard(hr, ms []float32, los []int32) {
	per := len(hr) / 2
	even, odd := hr[:per], hr[per:]
	nc := k.nc
	j := 0
	for ; j+1 < len(ms); j += 2 {
		a, b := k.pairs.at(j), k.pairs.at(j+1)
		pa, pb := even[int(los[j])*nc:], odd[int(los[j+1])*nc:]
		ma, mb := ms[j], ms[j+1]
		pa[a.c0] += ma * a.w0
		pa[a.c1] += ma * a.w1
		pb[b.c0] += mb * b.w0
		pb[b.c1] += mb * b.w1
	}
	if j < len(ms) {
		a := k.pairs.at(j)
		p := even[int(los[j])*nc:]
		p[a.c0] += ms[j] * a.w0
		p[a.c1] += ms[j] * a.w1
	}
	vec.Axpy(even, odd, 1)
}

// backwardPaired is Backward through paired columns. Each pixel row first
// folds the gradients of the (up to two) rows of cells it reaches into one
// [bin, cell column] map with its row weights; then each pixel gathers its
// bins' gradients from its two cells of that map (unpoolHard,
// unpoolBilinear). Gathered per pixel from every row of cells, the
// bilinear gradient cost six times the forward pass.
func (k histogram) backwardPaired(g, gy, d []float32, b *binned, images, h, w int) {
	if k.bins.k <= 32 && has512 {
		k.backwardCells(g, gy, d, b, images, h, w)
		return
	}
	nb, nc, csp := k.bins.k, k.nc, k.nr*k.nc
	k.unpoolRows(d, images, h, w, nb*nc, func(gmap []float32, img int, rows []cellWeight) {
		cells := gy[img*nb*csp:]
		for bin := 0; bin < nb; bin++ {
			foldRows(gmap[bin*nc:][:nc], rows, func(cell int) []float32 { return cells[bin*csp+cell*nc:] })
		}
	}, func(gmap []float32, o, gi int, dx, dy []float32) {
		gx, gy := g[gi:gi+w], g[gi+h*w:gi+h*w+w]
		if k.bins.bilinear {
			k.unpoolBilinear(dx, dy, gx, gy, b.m[o:o+w], b.lo[o:o+w], b.f[o:o+w], gmap)
			return
		}
		unpoolHard(dx, dy, gx, gy, b.m[o:o+w], b.lo[o:o+w], k.pairs, gmap, nc)
	})
}

// backwardCells is backwardPaired on the AVX-512 kernels: the output
// gradient is first gathered into the [cell][lanes bins] layout, so that
// each pixel row's map is one blend of two contiguous rows of cells
// (planesToCells, unpoolHardCells, unpoolBilinearCells), not one per bin.
func (k histogram) backwardCells(g, gy, d []float32, b *binned, images, h, w int) {
	nb, nc, csp, ln := k.bins.k, k.nc, k.nr*k.nc, k.lanes
	if len(*k.grads) != images*csp*ln {
		*k.grads = make([]float32, images*csp*ln)
	}
	cells := *k.grads
	parallel.For(images*k.nr, func(t int) {
		img, r := t/k.nr, t%k.nr
		planesToCells(cells[(img*csp+r*nc)*ln:][:ln*nc], gy[img*nb*csp+r*nc:], csp, nb, ln)
	})
	k.unpoolRows(d, images, h, w, ln*nc, func(gmap []float32, img int, rows []cellWeight) {
		foldRows(gmap, rows, func(cell int) []float32 { return cells[(img*csp+cell*nc)*ln:] })
	}, func(gmap []float32, o, gi int, dx, dy []float32) {
		gx, gy := g[gi:gi+w], g[gi+h*w:gi+h*w+w]
		if k.bins.bilinear {
			k.unpoolBilinearCells(dx, dy, gx, gy, b.m[o:o+w], b.lo[o:o+w], b.f[o:o+w], gmap)
			return
		}
		unpoolHardCells(dx, dy, gx, gy, b.m[o:o+w], b.lo[o:o+w], k.pairs, gmap)
	})
}

// unpoolRows runs the gradient pass of both layouts over bands of pixel
// rows, each band sharing one map of mapLen floats: for a pixel row that
// reaches some row of cells, fold sets the map from them and unpool writes
// the row's gradients dx, dy (o and gi are its offsets in the binning and
// in the gradients); a row that reaches none gets zeros.
func (k histogram) unpoolRows(d []float32, images, h, w, mapLen int,
	fold func(gmap []float32, img int, rows []cellWeight), unpool func(gmap []float32, o, gi int, dx, dy []float32)) {
	sp := h * w
	const band = 8 // pixel rows a task takes, sharing one map
	per := (h + band - 1) / band
	parallel.For(images*per, func(t int) {
		img, i0 := t/per, t%per*band
		gmap := make([]float32, mapLen)
		for i := i0; i < min(i0+band, h); i++ {
			o, gi := img*sp+i*w, img*2*sp+i*w
			dx, dy := d[gi:gi+w], d[gi+sp:gi+sp+w]
			if len(k.rows[i]) == 0 {
				clear(dx)
				clear(dy)
				continue
			}
			fold(gmap, img, k.rows[i])
			unpool(gmap, o, gi, dx, dy)
		}
	})
}

// foldRows sets m to Σ r.w·row(r.cell) over rows (at least one): a pixel
// row's map from the rows of cells it reaches.
func foldRows(m []float32, rows []cellWeight, row func(cell int) []float32) {
	r0, r1, w1 := rows[0], rows[0], float32(0)
	if len(rows) > 1 {
		r1, w1 = rows[1], rows[1].w
	}
	vec.Blend(m, row(r0.cell), row(r1.cell), r0.w, w1)
	for _, r := range rows[min(2, len(rows)):] {
		vec.Axpy(m, row(r.cell)[:len(m)], r.w)
	}
}

// unpoolBilinear is unpoolHard for bilinear binning: pixel j's bins lo and
// lo+1 take weights (1−f)·m and f·m; bilinearGrad takes their pooled
// gradients to the pixel's.
func (k histogram) unpoolBilinear(dx, dy, gx, gy, m []float32, lo []int32, f []float32, gmap []float32) {
	nb, nc := k.bins.k, k.nc
	c := float32(nb) / (2 * math.Pi)
	cols := k.pairs
	n := len(dx)
	dy, gx, gy, m, lo, f = dy[:n], gx[:n], gy[:n], m[:n], lo[:n], f[:n]
	c0, c1, w0, w1 := cols.c0[:n], cols.c1[:n], cols.w0[:n], cols.w1[:n]
	for j := range dx {
		if m[j] == 0 {
			dx[j], dy[j] = 0, 0
			continue
		}
		l := int(lo[j])
		h := l + 1
		if h == nb {
			h = 0
		}
		q0, q1 := gmap[l*nc:], gmap[h*nc:]
		glo := q0[c0[j]]*w0[j] + q0[c1[j]]*w1[j]
		ghi := q1[c0[j]]*w0[j] + q1[c1[j]]*w1[j]
		dx[j], dy[j] = bilinearGrad(glo, ghi, f[j], c, gx[j], gy[j], 1/m[j])
	}
}

// bilinearGrad is a pixel's gradient (gx, gy), of norm 1/inv, under
// bilinear binning with fraction f, from its bins' pooled gradients glo
// and ghi: dL/dm = glo·(1−f) + ghi·f along g/m, and the angle's
// c·(ghi − glo)·m (c = K/2π) along (−gy, gx)/m².
func bilinearGrad(glo, ghi, f, c, gx, gy, inv float32) (dx, dy float32) {
	dm := glo*(1-f) + ghi*f
	dth := c * (ghi - glo)
	return (dm*gx - dth*gy) * inv, (dm*gy + dth*gx) * inv
}

// unpoolHard sets, for each pixel j of a row with gradient (gx, gy), norm
// m and bin lo, the gradient s·(gx, gy) with s = (gmap[lo, c0]·w0 +
// gmap[lo, c1]·w1)/m over the pixel's two cell columns; 0 where m = 0.
func unpoolHard(dx, dy, gx, gy, m []float32, lo []int32, cols *colArrays, gmap []float32, nc int) {
	n := len(dx)
	dy, gx, gy, m, lo = dy[:n], gx[:n], gy[:n], m[:n], lo[:n]
	for j := unpoolHardVec(dx, dy, gx, gy, m, lo, cols, gmap, nc); j < n; j++ {
		if m[j] == 0 {
			dx[j], dy[j] = 0, 0
			continue
		}
		q := gmap[int(lo[j])*nc:]
		s := (q[cols.c0[j]]*cols.w0[j] + q[cols.c1[j]]*cols.w1[j]) / m[j]
		dx[j], dy[j] = s*gx[j], s*gy[j]
	}
}

// Backward: the pooled gradient of each bin, dL/dy_bin = Σ_cells g·w_r·w_c,
// goes through the binning: ∂m/∂g = g/m; for bilinear binning the weights
// also move with the angle, ∂θ/∂g = (−gy, gx)/m², ∂w_lo/∂θ = −K/2π = −∂w_hi/∂θ.
func (k histogram) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	g, gy0, d := in[0].Data, gout.Data, gin.Data
	var b *binned
	if v, ok := k.memo.Get(in[0]); ok {
		b = v.(*binned)
	} else {
		b = k.assign(g, in[0].Shape)
	}
	h, w := in[0].Shape[2], in[0].Shape[3]
	if k.pairs != nil {
		k.backwardPaired(g, gy0, d, b, in[0].Shape[0], h, w)
		return
	}
	sp, csp := h*w, k.nr*k.nc
	c := float32(k.bins.k) / (2 * math.Pi)
	parallel.For(in[0].Shape[0]*h, func(row int) {
		img, i := row/h, row%h
		base := img * k.bins.k * csp
		for j := 0; j < w; j++ {
			o := img*sp + i*w + j
			m := b.m[o]
			if m == 0 {
				continue
			}
			lo := int(b.lo[o])
			p0, p1 := gy0[base+lo*csp:], gy0[base+((lo+1)%k.bins.k)*csp:]
			var glo, ghi float32
			for _, r := range k.rows[i] {
				for _, cl := range k.cols[j] {
					cell := r.cell*k.nc + cl.cell
					wrc := r.w * cl.w
					glo += p0[cell] * wrc
					ghi += p1[cell] * wrc
				}
			}
			gi := img*2*sp + i*w + j
			gx, gy := g[gi], g[gi+sp]
			inv := 1 / m // one division: the dearest step here
			if !k.bins.bilinear {
				s := glo * inv
				d[gi], d[gi+sp] = s*gx, s*gy
				continue
			}
			d[gi], d[gi+sp] = bilinearGrad(glo, ghi, b.f[o], c, gx, gy, inv)
		}
	})
}
