package graph

import (
	"math"
	"math/rand"
	"testing"

	"github.com/invrep/invrep/graph/testenv"
)

func randTensor(rng *rand.Rand, shape ...int) *Tensor {
	t := NewTensor(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// opCase checks one op: its forward against a float64 reference and its
// input gradient against central finite differences of that reference.
type opCase struct {
	name  string
	in    []int
	build func(x *Node) (*Node, error)
	ref   func(x []float64) []float64
	// input, when set, replaces the random input (e.g. to keep MaxPool away
	// from ties, where the derivative is undefined).
	input func(rng *rand.Rand, t *Tensor)
}

func runOpCase(t *testing.T, c opCase) {
	t.Helper()
	rng := rand.New(rand.NewSource(1))
	x := randTensor(rng, c.in...)
	if c.input != nil {
		c.input(rng, x)
	}
	g := New()
	in, err := g.Input("x", c.in...)
	if err != nil {
		t.Fatal(err)
	}
	y, err := c.build(in)
	if err != nil {
		t.Fatalf("%s: build: %v", c.name, err)
	}
	r := randTensor(rng, y.shape...)
	loss, err := Dot(y, r)
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.Compile(loss, y)
	if err != nil {
		t.Fatalf("%s: compile: %v", c.name, err)
	}
	// A first run on the same values in reverse order leaves every reused
	// buffer dirty: the checked run must not depend on what it left.
	other := x.Clone()
	for i, v := range x.Data {
		other.Data[len(x.Data)-1-i] = v
	}
	if err := p.Run(other); err != nil {
		t.Fatalf("%s: run: %v", c.name, err)
	}
	if err := p.Run(x); err != nil {
		t.Fatalf("%s: run: %v", c.name, err)
	}
	got, err := p.Output(0)
	if err != nil {
		t.Fatal(err)
	}
	x64 := make([]float64, len(x.Data))
	for i, v := range x.Data {
		x64[i] = float64(v)
	}
	want := c.ref(x64)
	if len(want) != len(got.Data) {
		t.Fatalf("%s: got %d outputs, reference has %d", c.name, len(got.Data), len(want))
	}
	scale := 1e-6
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if d := math.Abs(float64(got.Data[i]) - want[i]); d > 1e-5*scale {
			t.Fatalf("%s: forward[%d] = %g, reference %g", c.name, i, got.Data[i], want[i])
		}
	}
	grad, err := p.InputGrad()
	if err != nil {
		t.Fatal(err)
	}
	lossAt := func(x []float64) float64 {
		s := 0.0
		for i, v := range c.ref(x) {
			s += v * float64(r.Data[i])
		}
		return s
	}
	testenv.FiniteDiff{H: 1e-6, Floor: 1e-6, Tol: 1e-4}.Check(t, c.name, grad.Data, lossAt, x64)
}
