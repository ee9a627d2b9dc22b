package invert

import (
	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/vec"
)

// Optimizer updates the image from the energy gradient.
type Optimizer interface {
	// Step moves x given ∇E(x) and the learning rate.
	Step(x, grad *graph.Tensor, lr float64)
	// Reset forgets the optimiser's state (its momentum).
	Reset()
}

// MomentumSGD is the authors' optimiser: µ ← m·µ − lr·Scale·∇E, x ← x + µ,
// with Scale = σ² (the code steps in σ-normalised units).
type MomentumSGD struct {
	M     float64
	Scale float64
	mu    []float32
}

// NewMomentumSGD returns the paper's optimiser (m = 0.9, scale σ²).
func NewMomentumSGD() *MomentumSGD { return &MomentumSGD{M: Momentum, Scale: Sigma * Sigma} }

// Step implements Optimizer.
func (o *MomentumSGD) Step(x, grad *graph.Tensor, lr float64) {
	if len(o.mu) != len(x.Data) {
		o.mu = make([]float32, len(x.Data))
	}
	m, step := float32(o.M), float32(lr*o.Scale)
	eachBand(len(x.Data), func(lo, hi int) {
		vec.Momentum(x.Data[lo:hi], o.mu[lo:hi], grad.Data[lo:hi], m, step)
	})
}

// Reset implements Optimizer.
func (o *MomentumSGD) Reset() { clear(o.mu) }
