package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// Units is the IJCV activation-maximisation loss (SPEC §2.1):
// −Σ_n w_n·Φ(x_n)[c_n at the centre], each image n of the batch raising
// one channel c_n at the centre of the feature map (of a vector [N,C], the
// channel itself): the inner product with a one-hot reference. One channel
// (and weight) serves every image when only one is given.
type Units struct {
	Channels []int
	Weights  []float64
}

// Name implements Term.
func (Units) Name() string { return "units" }

// Build implements Term.
func (u Units) Build(_, phi *graph.Node) (*graph.Node, error) {
	s := phi.Shape()
	if len(s) < 2 {
		return nil, fmt.Errorf("features %v have no channel axis", s)
	}
	if len(u.Channels) != 1 && len(u.Channels) != s[0] || len(u.Weights) != len(u.Channels) {
		return nil, fmt.Errorf("%d channels and %d weights for a batch of %d", len(u.Channels), len(u.Weights), s[0])
	}
	per := graph.Numel(s[1:])
	plane := per / s[1]
	centre := Centre(s)
	k := units{index: make([]int, s[0]), weight: make([]float32, s[0])}
	for n := range k.index {
		c, w := u.Channels[0], u.Weights[0]
		if len(u.Channels) > 1 {
			c, w = u.Channels[n], u.Weights[n]
		}
		if c < 0 || c >= s[1] {
			return nil, fmt.Errorf("channel %d: the layer has %d (0 to %d)", c, s[1], s[1]-1)
		}
		k.index[n], k.weight[n] = n*per+c*plane+centre, float32(w)
	}
	return graph.Apply(k, phi)
}

// Centre is the offset, within one channel's plane, of the centre of a
// feature map shaped [N, C, spatial...]: row-major over the spatial axes,
// each at (size−1)/2, and 0 for a vector [N, C].
func Centre(s []int) int {
	centre, stride := 0, 1
	for i := len(s) - 1; i >= 2; i-- {
		centre += (s[i] - 1) / 2 * stride
		stride *= s[i]
	}
	return centre
}

// units is −Σ_n weight[n]·φ[index[n]].
type units struct {
	index  []int
	weight []float32
}

func (k units) String() string                     { return "Units" }
func (k units) Diffable(int) bool                  { return true }
func (k units) OutShape(in [][]int) ([]int, error) { return nil, nil }

func (k units) Forward(in []*graph.Tensor, out *graph.Tensor) {
	s := 0.0
	for n, i := range k.index {
		s -= float64(k.weight[n]) * float64(in[0].Data[i])
	}
	out.Data[0] = float32(s)
}

func (k units) Backward(_ int, _ []*graph.Tensor, _, gout, gin *graph.Tensor) {
	for n, i := range k.index {
		gin.Data[i] = -k.weight[n] * gout.Data[0]
	}
}
