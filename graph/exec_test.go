package graph

import (
	"math"
	"math/rand"
	"testing"
)

// TestGradientSumsRunAgain: x reaches the loss along three paths (twice
// through a product, once through an Add that passes its gradient on), so
// its gradient is a sum of gorgonia's; each run must give that run's
// gradient, r·(2x + 1), although the sums write into the buffers of the
// run before.
func TestGradientSumsRunAgain(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	shape := []int{1, 2, 5, 7}
	r := randTensor(rng, shape...)
	g := New()
	x, _ := g.Input("x", shape...)
	sq, err := Mul(x, x)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Add(sq, x)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := Dot(s, r)
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.Compile(loss)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	x1, x2 := randTensor(rng, shape...), randTensor(rng, shape...)
	for run, xv := range []*Tensor{x1, x2, x1} {
		if err := p.Run(xv); err != nil {
			t.Fatal(err)
		}
		gx, err := p.InputGrad()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range gx.Data {
			want := r.Data[i] * (2*xv.Data[i] + 1)
			if math.Abs(float64(v-want)) > 1e-5 {
				t.Fatalf("run %d: gradient [%d] = %g, want %g", run, i, v, want)
			}
		}
	}
}
