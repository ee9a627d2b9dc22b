package invert

import (
	"math/rand"
	"testing"

	"github.com/invrep/invrep/graph"
)

// BenchmarkIJCVOverhead times, on a 224-pixel image with J = 2, what an
// IJCV iteration adds to the network's forward and backward: the priors'
// forward and gradient, the AdaGrad step and the projection.
func BenchmarkIJCVOverhead(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	shape := []int{1, 3, 225, 225}
	x := randT(rng, shape...)
	for i := range x.Data {
		x.Data[i] *= 60
	}
	grad := randT(rng, shape...)
	k, out, g, one := colorNorm{alpha: 6}, graph.NewTensor(), graph.NewTensor(shape...), &graph.Tensor{Data: []float32{1}}
	opt, y := NewAdaGradMomentum(), x.Clone()
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"colornorm", func() {
			k.Forward([]*graph.Tensor{x}, out)
			k.Backward(0, []*graph.Tensor{x}, out, one, g)
		}},
		{"adagrad", func() { opt.Step(y, grad, 1e6) }},
		{"project", func() { ProjectBall(y, RangeBPlus) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c.f()
			}
		})
	}
}
