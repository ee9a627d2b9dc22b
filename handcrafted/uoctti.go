package handcrafted

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// uoctti is UoCTTI's normalisation of HOG cells (SPEC §3.2 layers 4 to 7)
// as one kernel: each cell's 2·NO directed bins and their NO undirected
// sums (stacking), each 2×2 block of cells divided by the root of its
// cells' undirected energy plus ε (blockNorm), clamped at 0.2, and each
// cell's four normalised copies averaged with weight 0.5 (decomposition).
// Input [N, 2·NO, R, C] cells, output [N, 3·NO, R, C].
//
// As the four layers they are, the stacking and decomposition are sparse
// convolutions through a block tensor four times the size of the cells,
// written and read twice each way: 70% of an iteration's time after the
// binning. Here everything stays on the cell grid. A block is kept by its
// bottom-right cell: on the grid padded by a zero row above and a zero
// column on the left (stored with the cells' row stride, so that the
// column right of the last wraps onto the next row's zero), cell k lies in
// the blocks at k, k+1, k+C and k+C+1, the decomposition's four taps in
// their order. A missing block has factor 0, so it adds min(v·0, 0.2) = 0.
type uoctti struct {
	no    int
	clamp float32
	grid  *[]float32 // scratch, reused
}

func newUOCTTI(no int) uoctti { return uoctti{no: no, clamp: 0.2, grid: new([]float32)} }

func (k uoctti) String() string {
	return fmt.Sprintf("UoCTTINorm(%d,clamp=%g)", k.no, k.clamp)
}
func (k uoctti) Diffable(int) bool { return true }
func (k uoctti) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][1] != 2*k.no || in[0][2] < 2 || in[0][3] < 2 {
		return nil, fmt.Errorf("want [N,%d,R,C] cells, at least 2×2, got %v", 2*k.no, in)
	}
	return []int{in[0][0], 3 * k.no, in[0][2], in[0][3]}, nil
}

// Overwrites implements graph.Overwriter: both passes set every element.
func (k uoctti) Overwrites(bool, int) bool { return true }

// blockEps is ε: VLFeat's 1e-4 at the network's half-scale gradients
// (hog_net floors the root at 1e-6 instead, which differs from VLFeat in
// low-contrast cells).
const blockEps = 2.5e-5

// cellBands is how many bands of cells a pass over the grid is split into:
// a few per core, each with a long enough run for the vector primitives.
const cellBands = 4

// layout is one image's scratch: the undirected sums u [NO][L], the
// cells' energies e [L], the blocks' factors f on the padded grid [P], and
// for the gradient the undirected channels' d [NO][L], the four taps'
// block gradients t [4][L], their sum on the padded grid df [P], and the
// cells' energy gradients de [L]; tmp holds two rows of L per band.
type layout struct {
	u, e, f, du, t, df, de, tmp []float32
	l, p, c                     int
	offs                        [4]int
}

func (k uoctti) layout(shape []int) layout {
	r, c := shape[2], shape[3]
	l := r * c
	p := (r+1)*c + 1
	sizes := []int{k.no * l, l, p, k.no * l, 4 * l, p, l, 2 * l}
	n := 0
	for _, s := range sizes {
		n += s
	}
	if len(*k.grid) != n {
		*k.grid = make([]float32, n)
	}
	g := *k.grid
	var parts [8][]float32
	for i, s := range sizes {
		parts[i], g = g[:s], g[s:]
	}
	return layout{u: parts[0], e: parts[1], f: parts[2], du: parts[3], t: parts[4], df: parts[5], de: parts[6], tmp: parts[7],
		l: l, p: p, c: c, offs: [4]int{0, 1, c, c + 1}}
}

// inBands runs f over cellBands bands [lo, hi) of [0, n) in parallel.
func inBands(n int, f func(b, lo, hi int)) {
	parallel.For(cellBands, func(b int) { f(b, b*n/cellBands, (b+1)*n/cellBands) })
}

// factors sets the undirected sums u and energies e of the cells h (one
// image's [2·NO][L] planes), then each block's factor 1/sqrt(Σ e + ε) on
// the padded grid, 0 on the padding. The four energies are added in the
// stacking's order of cells (top left, bottom left, top right, bottom
// right), each a float32 sum of NO squares, as VLFeat sums them.
func (k uoctti) factors(lay layout, h []float32) {
	l, c := lay.l, lay.c
	inBands(l, func(_, lo, hi int) {
		e := lay.e[lo:hi]
		clear(e)
		for o := 0; o < k.no; o++ {
			u := lay.u[o*l:][lo:hi]
			vec.Blend(u, h[o*l:][lo:hi], h[(o+k.no)*l:][lo:hi], 1, 1)
			vec.AddMul(e, u, u)
		}
	})
	clear(lay.f)
	rows := l / c
	e := lay.e
	for i := 0; i+1 < rows; i++ {
		for j := 0; j+1 < c; j++ {
			q := i*c + j
			s := e[q] + e[q+c] + e[q+1] + e[q+c+1]
			lay.f[q+c+1] = float32(1 / math.Sqrt(float64(s)+blockEps))
		}
	}
}

// plane returns channel ch of one image's cells: a directed bin of h, or
// an undirected sum of u.
func (k uoctti) plane(lay layout, h []float32, ch int) []float32 {
	if ch < 2*k.no {
		return h[ch*lay.l:][:lay.l]
	}
	return lay.u[(ch-2*k.no)*lay.l:][:lay.l]
}

// Forward: per channel, the four taps' min(v·f, clamp), halved and added,
// in bands of cells.
func (k uoctti) Forward(in []*graph.Tensor, out *graph.Tensor) {
	lay := k.layout(in[0].Shape)
	l, nch := lay.l, 3*k.no
	for img := 0; img < in[0].Shape[0]; img++ {
		h := in[0].Data[img*2*k.no*l:][:2*k.no*l]
		y := out.Data[img*nch*l:][:nch*l]
		k.factors(lay, h)
		inBands(l, func(_, lo, hi int) {
			t := lay.tmp[2*lo:][:hi-lo]
			for ch := 0; ch < nch; ch++ {
				v, acc := k.plane(lay, h, ch)[lo:hi], y[ch*l:][lo:hi]
				for tap, off := range lay.offs {
					vec.Mul(t, v, lay.f[off+lo:][:hi-lo])
					vec.Clip(t, t, -math.MaxFloat32, k.clamp)
					if tap == 0 {
						vec.ScaleAdd(acc, t, 0.5, 0)
					} else {
						vec.Axpy(acc, t, 0.5)
					}
				}
			}
		})
	}
}

// Backward: through the clamp, dL/dv = ½·Σ_taps g·[v·f < clamp]·f, and
// each block's factor gets ½·Σ g·[…]·v over its cells and channels; with
// f = (E + ε)^−½, dE = −½·f³·df goes to the block's four cells, whose
// energies Σ u² pass 2·u·dE to the undirected sums, and those to the two
// directed bins they add.
func (k uoctti) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	lay := k.layout(in[0].Shape)
	l, nch, nd := lay.l, 3*k.no, 2*k.no
	for img := 0; img < in[0].Shape[0]; img++ {
		h := in[0].Data[img*nd*l:][:nd*l]
		g := gout.Data[img*nch*l:][:nch*l]
		d := gin.Data[img*nd*l:][:nd*l]
		k.factors(lay, h)
		inBands(l, func(b, lo, hi int) {
			n := hi - lo
			t, gm := lay.tmp[2*lo:][:n], lay.tmp[2*lo+n:][:n]
			for tap := range lay.offs {
				clear(lay.t[tap*l:][lo:hi])
			}
			for ch := 0; ch < nch; ch++ {
				v, gr := k.plane(lay, h, ch)[lo:hi], g[ch*l:][lo:hi]
				var dv []float32
				if ch < nd {
					dv = d[ch*l:][lo:hi]
				} else {
					dv = lay.du[(ch-nd)*l:][lo:hi]
				}
				for tap, off := range lay.offs {
					f := lay.f[off+lo:][:n]
					vec.Mul(t, v, f)
					vec.ClipGrad(gm, t, gr, -math.MaxFloat32, k.clamp)
					if tap == 0 {
						vec.Mul(dv, gm, f)
					} else {
						vec.AddMul(dv, gm, f)
					}
					vec.AddMul(lay.t[tap*l:][lo:hi], gm, v)
				}
				vec.ScaleAdd(dv, dv, 0.5, 0)
			}
		})
		// The blocks' factor gradients, then the energies' (the ½ of the
		// decomposition and the −½ of the root in one factor).
		clear(lay.df)
		for tap, off := range lay.offs {
			vec.Axpy(lay.df[off:][:l], lay.t[tap*l:][:l], 1)
		}
		for q, f := range lay.f {
			lay.df[q] *= -0.25 * f * f * f
		}
		inBands(l, func(_, lo, hi int) {
			de := lay.de[lo:hi]
			for tap, off := range lay.offs {
				if tap == 0 {
					copy(de, lay.df[off+lo:][:hi-lo])
				} else {
					vec.Axpy(de, lay.df[off+lo:][:hi-lo], 1)
				}
			}
			vec.ScaleAdd(de, de, 2, 0)
			for o := 0; o < k.no; o++ {
				du := lay.du[o*l:][lo:hi]
				vec.AddMul(du, lay.u[o*l:][lo:hi], de)
				vec.Axpy(d[o*l:][lo:hi], du, 1)
				vec.Axpy(d[(o+k.no)*l:][lo:hi], du, 1)
			}
		})
	}
}
