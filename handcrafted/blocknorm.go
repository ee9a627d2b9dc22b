package handcrafted

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// blockNorm is UoCTTI's block normalisation (SPEC §3.2 layer 5): a block of
// 4 cells × 3·NO channels is divided by n = sqrt(Σ x² + ε), the sum taken
// over the NO contrast-insensitive channels of each cell only. ε = 2.5e-5 is
// VLFeat's 1e-4 at the network's half-scale gradients (hog_net floors n at
// 1e-6 instead, which differs from VLFeat in low-contrast cells).
type blockNorm struct{ no int }

func (k blockNorm) String() string    { return fmt.Sprintf("HOGBlockNorm(%d)", k.no) }
func (k blockNorm) Diffable(int) bool { return true }
func (k blockNorm) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][1] != 12*k.no {
		return nil, fmt.Errorf("want [N,%d,H,W] blocks, got %v", 12*k.no, in)
	}
	return append([]int(nil), in[0]...), nil
}

func (k blockNorm) selected(ch int) bool { return ch%(3*k.no) >= 2*k.no }

const blockEps = 2.5e-5

// Overwrites implements graph.Overwriter.
func (k blockNorm) Overwrites(bool, int) bool { return true }

// bands runs f over bands of block positions [p0, p1) of image n in
// parallel; within a band the channels are walked plane by plane.
func (k blockNorm) bands(shape []int, f func(n, p0, p1 int)) {
	sp := shape[2] * shape[3]
	const band = 512
	per := (sp + band - 1) / band
	parallel.For(shape[0]*per, func(t int) {
		n, b := t/per, t%per
		f(n, b*sp/per, (b+1)*sp/per)
	})
}

// norms sets nrm[i] = 1/sqrt(Σ x² + ε) over the selected channels at
// position p0+i: the inverse, so the channels multiply by it. The sums of
// 4·NO squares are taken in float32, as VLFeat does.
func (k blockNorm) norms(x []float32, sp, p0 int, nrm []float32) {
	clear(nrm)
	for ch := 0; ch < 12*k.no; ch++ {
		if k.selected(ch) {
			vec.AddMul(nrm, x[ch*sp+p0:][:len(nrm)], x[ch*sp+p0:])
		}
	}
	for i, v := range nrm {
		nrm[i] = float32(1 / math.Sqrt(float64(v)+blockEps))
	}
}

func (k blockNorm) Forward(in []*graph.Tensor, out *graph.Tensor) {
	x, sp := in[0].Data, in[0].Shape[2]*in[0].Shape[3]
	c := 12 * k.no
	k.bands(in[0].Shape, func(n, p0, p1 int) {
		xs, ys := x[n*c*sp:], out.Data[n*c*sp:]
		nrm := make([]float32, p1-p0)
		k.norms(xs, sp, p0, nrm)
		for ch := 0; ch < c; ch++ {
			vec.Mul(ys[ch*sp+p0:][:len(nrm)], xs[ch*sp+p0:], nrm)
		}
	})
}

// Backward: dL/dx_j = g_j/n − [j selected]·x_j·Σ_k g_k x_k / n³, the sum
// over all the block's channels (all are divided by n, which depends on the
// selected ones only).
func (k blockNorm) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	x, g, sp := in[0].Data, gout.Data, in[0].Shape[2]*in[0].Shape[3]
	c := 12 * k.no
	k.bands(in[0].Shape, func(n, p0, p1 int) {
		xs, gs, ds := x[n*c*sp:], g[n*c*sp:], gin.Data[n*c*sp:]
		m := p1 - p0
		nrm, dot := make([]float32, m), make([]float32, m)
		k.norms(xs, sp, p0, nrm)
		for ch := 0; ch < c; ch++ {
			vec.AddMul(dot, gs[ch*sp+p0:][:m], xs[ch*sp+p0:])
		}
		for i, v := range nrm {
			dot[i] *= v * v * v
		}
		for ch := 0; ch < c; ch++ {
			xr, gr, dr := xs[ch*sp+p0:][:m], gs[ch*sp+p0:][:m], ds[ch*sp+p0:][:m]
			if k.selected(ch) {
				vec.MulSub(dr, gr, nrm, xr, dot)
				continue
			}
			vec.Mul(dr, gr, nrm)
		}
	})
}
