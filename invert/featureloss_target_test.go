package invert

import (
	"context"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestNumericallyZeroTarget: a target of zeros, or of values so small
// that the loss's gradient (scaled by 1/‖Φ0‖²) would overflow float32 — a
// random detector's last block gives 1e-25 — is refused before any step,
// not reported as a divergence at iteration 1.
func TestNumericallyZeroTarget(t *testing.T) {
	rep := RepresentationFunc(func(shape []int) (*graph.Graph, *graph.Node, error) {
		g := graph.New()
		x, err := g.Input("x", shape...)
		return g, x, err
	})
	for _, c := range []struct {
		v    float32
		want string
	}{{0, "all zero"}, {1e-25, "numerically zero"}} {
		target := graph.NewTensor(1, 3, 4, 4)
		for i := range target.Data {
			target.Data[i] = c.v
		}
		_, err := Invert(context.Background(), rep, target, Options{ImageShape: []int{3, 4, 4}, Iters: 10})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("target of %g: %v", c.v, err)
		}
	}
	target := graph.NewTensor(1, 3, 4, 4)
	for i := range target.Data {
		target.Data[i] = 1e-3
	}
	if _, err := Invert(context.Background(), rep, target, Options{ImageShape: []int{3, 4, 4}, Iters: 10}); err != nil {
		t.Errorf("a small but usable target: %v", err)
	}
}
