package handcrafted

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// This file holds SPEC §3.2's layers 4 to 7 as they are written there, a
// graph of a stacking convolution, blockNorm, a Clip and a decomposition
// convolution: the reference TestUOCTTI checks the fused kernel against.

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

// blockStacking copies each cell of a 2×2 block into 3·NO channels: its 2·NO
// directed bins, then the NO sums of opposite bins. Cell c = i + 2j for row
// offset i and column offset j (hog_net's column-major order).
func blockStacking(no int) *graph.Tensor {
	k, per := 2*no, 3*no
	w := graph.NewTensor(4*per, k, 2, 2)
	set := func(out, in, i, j int) { w.Data[((out*k+in)*2+i)*2+j] = 1 }
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			c := i + 2*j
			for o := 0; o < k; o++ {
				set(per*c+o, o, i, j)
			}
			for o := 0; o < no; o++ {
				set(per*c+k+o, o, i, j)
				set(per*c+k+o, o+no, i, j)
			}
		}
	}
	return w
}

// blockDecomposition averages back into each cell, with weight 0.5, its
// normalised components from the (up to) four blocks that contain it.
func blockDecomposition(no int) *graph.Tensor {
	per := 3 * no
	w := graph.NewTensor(per, 4*per, 2, 2)
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			c := (1 - i) + 2*(1-j) // the cell's place in the block read at kernel tap (i, j)
			for o := 0; o < per; o++ {
				w.Data[((o*4*per+per*c+o)*2+i)*2+j] = 0.5
			}
		}
	}
	return w
}

// uocttiLayers is layers 4 to 7 as four ops.
func uocttiLayers(cells *graph.Node, no int) (*graph.Node, error) {
	g := cells.Graph()
	blocks, err := graph.Conv(cells, g.Const(blockStacking(no)), nil, graph.ConvParams{})
	if err != nil {
		return nil, err
	}
	if blocks, err = graph.Apply(blockNorm{no: no}, blocks); err != nil {
		return nil, err
	}
	if blocks, err = graph.Clip(blocks, -math.MaxFloat32, 0.2); err != nil {
		return nil, err
	}
	return graph.Conv(blocks, g.Const(blockDecomposition(no)), nil, graph.ConvParams{Pads: [4]int{1, 1, 1, 1}})
}

// TestUOCTTI runs the fused normalisation and the four layers, forward and
// gradient, on cells of two images (2×2 cells, and sizes whose bands of
// cells split rows), with values of which a good part clamp: the outputs
// and gradients agree to float32 rounding (the energies are added in
// another order). The layers themselves are checked against finite
// differences by TestBlockNormGradient and the graph package's tests.
func TestUOCTTI(t *testing.T) {
	rng := rand.New(rand.NewSource(14))
	for _, shape := range [][]int{{2, 18, 2, 2}, {2, 18, 5, 7}, {1, 8, 9, 13}, {1, 18, 41, 62}} {
		no := shape[1] / 2
		x := graph.NewTensor(shape...)
		for i := range x.Data {
			x.Data[i] = float32(math.Abs(rng.NormFloat64()))
			if rng.Intn(7) == 0 {
				x.Data[i] = 0 // empty bins, as in flat regions
			}
		}
		var outs, grads [2]*graph.Tensor
		var clamped int
		for i, build := range []func(*graph.Node) (*graph.Node, error){
			func(c *graph.Node) (*graph.Node, error) { return graph.Apply(newUOCTTI(no), c) },
			func(c *graph.Node) (*graph.Node, error) { return uocttiLayers(c, no) },
		} {
			g := graph.New()
			in, _ := g.Input("cells", shape...)
			y, err := build(in)
			if err != nil {
				t.Fatal(err)
			}
			r := graph.NewTensor(y.Shape()...)
			rr := rand.New(rand.NewSource(15))
			for j := range r.Data {
				r.Data[j] = float32(rr.NormFloat64())
			}
			loss, _ := graph.Dot(y, r)
			p, err := g.Compile(loss, y)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(x); err != nil {
				t.Fatal(err)
			}
			outs[i], _ = p.Output(0)
			grads[i] = graph.NewTensor(shape...)
			if err := p.InputGradTo(grads[i]); err != nil {
				t.Fatal(err)
			}
			p.Close()
		}
		for _, v := range outs[1].Data {
			if v == 0.5*0.2 || v == 0.2 {
				clamped++
			}
		}
		for _, pair := range [][2]*graph.Tensor{outs, grads} {
			for j := range pair[0].Data {
				a, b := float64(pair[0].Data[j]), float64(pair[1].Data[j])
				if math.Abs(a-b) > 2e-6*(1+math.Abs(b)) {
					t.Fatalf("%v: fused %g, layers %g at %d", shape, a, b, j)
				}
			}
		}
		if shape[2] > 2 && clamped == 0 {
			t.Errorf("%v: no value clamped; the test wants some", shape)
		}
	}
}
