package invert

import (
	"math"

	"github.com/invrep/invrep/graph"
)

// Adam is Kingma & Ba's optimiser, the feature-visualisation default
// (Lucid: learning rate 0.05): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
// x ← x − lr·m̂/(√v̂ + ε) with the bias corrections m̂ = m/(1−β1^t),
// v̂ = v/(1−β2^t).
type Adam struct {
	Beta1, Beta2, Eps float64
	m, v              []float32
	t                 int
}

// NewAdam returns Adam with the given decays and ε = 1e-8.
func NewAdam(beta1, beta2 float64) *Adam { return &Adam{Beta1: beta1, Beta2: beta2, Eps: 1e-8} }

// Step implements Optimizer.
func (o *Adam) Step(x, grad *graph.Tensor, lr float64) {
	if len(o.m) != len(x.Data) {
		o.m, o.v, o.t = make([]float32, len(x.Data)), make([]float32, len(x.Data)), 0
	}
	o.t++
	c1 := 1 - math.Pow(o.Beta1, float64(o.t))
	c2 := 1 - math.Pow(o.Beta2, float64(o.t))
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	step, eps, root := float32(lr/c1), float32(o.Eps), 1/math.Sqrt(c2)
	eachBand(len(x.Data), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			g := grad.Data[i]
			o.m[i] = b1*o.m[i] + (1-b1)*g
			o.v[i] = b2*o.v[i] + (1-b2)*g*g
			x.Data[i] -= step * o.m[i] / (float32(math.Sqrt(float64(o.v[i]))*root) + eps)
		}
	})
}

// Reset implements Optimizer: Adam keeps its moments when the rate
// changes (its step is already normalised).
func (o *Adam) Reset() {}
