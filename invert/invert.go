// Package invert reconstructs images from their representation: given
// Φ0 = Φ(x0) at some node, it finds x with Φ(x) ≈ Φ0 under a natural-image
// prior, as Mahendran & Vedaldi (CVPR 2015) and their code do. It inverts any
// Representation, whatever builds its graph: a truncated ONNX model, HOG,
// dense SIFT.
//
// # Units
//
// The image variable x is in the paper's pixel units: 0..255 with the mean
// removed. The energy is the authors' code's (SPEC §1.3):
//
//	E(x) = ‖Φ(x) − Φ0‖²/‖Φ0‖² + (λTV/2)·TV_β(x)/σ² + (λL2/2)·Σx^α/σ²
//
// with σ = 27098.1157, α = 6, β = 2, λL2 = 8e-10, and the update
// µ ← 0.9µ − lr·σ²·∇E, x ← x + µ. Substituting x = σx̃ gives the paper's Eq. 3
// with λα = (λL2/2)σ⁴ = 2.16e8 and λ_Vβ = λTV/2: the paper's λ_Vβ ∈ {0.5, 5,
// 50} is the code's λTV ∈ {1, 10, 100}. Options take the paper's λ_Vβ (TV);
// PaperTV and CodeTV convert.
package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// Constants of the authors' code (SPEC §1.3–1.4).
const (
	// Sigma is x0_sigma, the average Euclidean norm of natural images
	// (227×227×3, mean removed) used to scale every term.
	Sigma = 27098.11571533203
	// LambdaL2 is the code's weight of the α-norm (paper λα = 2.16e8).
	LambdaL2 = 8e-10
	// Alpha is the exponent of the α-norm prior.
	Alpha = 6
	// Beta is the exponent of the V^β (total variation) prior.
	Beta = 2
	// Momentum is the optimiser's momentum.
	Momentum = 0.9
)

// CodeTV converts the paper's λ_Vβ to the code's λTV (for β = 2: ×2).
func CodeTV(paper float64) float64 { return 2 * paper }

// PaperTV converts the code's λTV to the paper's λ_Vβ.
func PaperTV(code float64) float64 { return code / 2 }

// DefaultTV is the paper's λ_Vβ for a layer at relative depth d ∈ (0, 1]
// (its index over the number of layers), as the paper chooses it for
// CaffeNet: 0.5 for the first third of the layers, 5 for the middle third,
// 50 for the last.
func DefaultTV(d float64) float64 {
	switch {
	case d <= 1.0/3:
		return 0.5
	case d <= 2.0/3:
		return 5
	}
	return 50
}

// Representation is anything that maps an image batch to a feature node.
// Build returns a fresh graph whose input (g.InputNode()) has the given
// shape [N,C,H,W] in paper units, and the feature node computed from it.
type Representation interface {
	Build(shape []int) (*graph.Graph, *graph.Node, error)
}

// RepresentationFunc adapts a function to Representation.
type RepresentationFunc func(shape []int) (*graph.Graph, *graph.Node, error)

// Build calls f.
func (f RepresentationFunc) Build(shape []int) (*graph.Graph, *graph.Node, error) { return f(shape) }

// Features computes Φ(x) for images x [N,C,H,W] in paper units.
func Features(rep Representation, x *graph.Tensor) (*graph.Tensor, error) {
	g, phi, err := rep.Build(x.Shape)
	if err != nil {
		return nil, err
	}
	return g.Evaluate(phi, x)
}

// RelativeErrors returns ‖Φ(x_n) − Φ0‖²/‖Φ0‖² for each image n of the batch
// phi (over the mask when one is given; mask and target are shaped like one
// image's features).
func RelativeErrors(phi, target, mask *graph.Tensor) ([]float64, error) {
	per := len(target.Data)
	if per == 0 || len(phi.Data)%per != 0 {
		return nil, fmt.Errorf("features %v do not fit target %v", phi.Shape, target.Shape)
	}
	den := 0.0
	for i, v := range target.Data {
		m := 1.0
		if mask != nil {
			m = float64(mask.Data[i])
		}
		den += m * float64(v) * float64(v)
	}
	out := make([]float64, len(phi.Data)/per)
	for n := range out {
		s := 0.0
		for i, v := range target.Data {
			m := 1.0
			if mask != nil {
				m = float64(mask.Data[i])
			}
			d := float64(phi.Data[n*per+i]) - float64(v)
			s += m * d * d
		}
		out[n] = s / den
	}
	return out, nil
}
