package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// Blur is the blur prior ½‖x − Bx‖², B the 3×3 box average of each channel
// (zero outside the image): it pulls the image towards its own blur, as
// Lucid's blur_input_each_step does (there with the blurred image held
// fixed; here differentiated through, so the value and gradient agree).
type Blur struct{}

// Name implements Term.
func (Blur) Name() string { return "blur" }

// Build implements Term.
func (Blur) Build(x, _ *graph.Node) (*graph.Node, error) {
	if len(x.Shape()) != 4 {
		return nil, fmt.Errorf("the blur prior needs an [N,C,H,W] image, got %v", x.Shape())
	}
	return graph.Apply(blurPrior{}, x)
}

type blurPrior struct{ imagePrior }

func (blurPrior) String() string { return "BlurPrior" }

// residual sets r = x − Bx for each plane of x.
func residual(x *graph.Tensor, r []float32) {
	h, w := x.Shape[2], x.Shape[3]
	eachBand(x.Shape[0]*x.Shape[1], func(lo, hi int) {
		for p := lo; p < hi; p++ {
			src, dst := x.Data[p*h*w:(p+1)*h*w], r[p*h*w:(p+1)*h*w]
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					s := float32(0)
					for di := -1; di <= 1; di++ {
						for dj := -1; dj <= 1; dj++ {
							if y, z := i+di, j+dj; y >= 0 && y < h && z >= 0 && z < w {
								s += src[y*w+z]
							}
						}
					}
					dst[i*w+j] = src[i*w+j] - s/9
				}
			}
		}
	})
}

func (blurPrior) Forward(in []*graph.Tensor, out *graph.Tensor) {
	r := make([]float32, len(in[0].Data))
	residual(in[0], r)
	s := 0.0
	for _, v := range r {
		s += float64(v) * float64(v)
	}
	out.Data[0] = float32(s / 2)
}

// Backward: (I − B)ᵀ(I − B)x = (I − B)r, B being symmetric.
func (blurPrior) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	r := &graph.Tensor{Shape: in[0].Shape, Data: make([]float32, len(in[0].Data))}
	residual(in[0], r.Data)
	residual(r, gin.Data)
	g := gout.Data[0]
	for i := range gin.Data {
		gin.Data[i] *= g
	}
}
