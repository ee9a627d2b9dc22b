package handcrafted

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
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

func (k blockNorm) norm(x []float32, base, sp int) float64 {
	s := 0.0
	for ch := 0; ch < 12*k.no; ch++ {
		if k.selected(ch) {
			v := float64(x[base+ch*sp])
			s += v * v
		}
	}
	return math.Sqrt(s + blockEps)
}

const blockEps = 2.5e-5

func (k blockNorm) each(shape []int, f func(base, sp int)) {
	c, sp := shape[1], shape[2]*shape[3]
	for n := 0; n < shape[0]; n++ {
		for p := 0; p < sp; p++ {
			f(n*c*sp+p, sp)
		}
	}
}

func (k blockNorm) Forward(in []*graph.Tensor, out *graph.Tensor) {
	x := in[0].Data
	k.each(in[0].Shape, func(b, sp int) {
		n := k.norm(x, b, sp)
		for ch := 0; ch < 12*k.no; ch++ {
			out.Data[b+ch*sp] = float32(float64(x[b+ch*sp]) / n)
		}
	})
}

// Backward: dL/dx_j = g_j/n − [j selected]·x_j·Σ_k g_k x_k / n³.
func (k blockNorm) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	x, g := in[0].Data, gout.Data
	k.each(in[0].Shape, func(b, sp int) {
		n := k.norm(x, b, sp)
		dot := 0.0
		for ch := 0; ch < 12*k.no; ch++ {
			dot += float64(g[b+ch*sp]) * float64(x[b+ch*sp])
		}
		for ch := 0; ch < 12*k.no; ch++ {
			v := float64(g[b+ch*sp]) / n
			if k.selected(ch) {
				v -= float64(x[b+ch*sp]) * dot / (n * n * n)
			}
			gin.Data[b+ch*sp] = float32(v)
		}
	})
}
