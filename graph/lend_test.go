package graph

import (
	"math/rand"
	"testing"

	"github.com/invrep/invrep/graph/testenv"
)

// TestGradReadersChained puts each kernel that declares what its gradient
// reads (GradReader) between two other ops, so that its input and output
// are values the program lends and takes back (poisoned with NaN in these
// tests, see poison_test.go), and checks the input gradient against
// central differences of the program's own loss: a gradient that reads a
// value it did not declare reads NaN.
func TestGradReadersChained(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	shape := []int{1, 4, 6, 6}
	w := randTensor(rng, 3, 4, 3, 3)
	m := randTensor(rng, 6, 5)
	for _, c := range []struct {
		name string
		op   func(a *Node) (*Node, error)
	}{
		{"Transpose", func(a *Node) (*Node, error) { return Transpose(a, []int{0, 2, 3, 1}) }},
		{"Concat", func(a *Node) (*Node, error) { return Concat(1, a, a) }},
		{"Pad", func(a *Node) (*Node, error) { return Pad(a, []int{0, 0, 1, 2}, []int{0, 0, 2, 1}, 0.5) }},
		{"Reshape", func(a *Node) (*Node, error) { return Reshape(a, []int{1, 24, 6}) }},
		{"ChannelAffine", func(a *Node) (*Node, error) { return ChannelAffine(a, []float32{1, -2, 0.5, 3}, []float32{0, 1, 2, 3}) }},
		{"Relu", Relu},
		{"ChannelAffineRelu", func(a *Node) (*Node, error) {
			return ChannelAffineRelu(a, []float32{1, -2, 0.5, 3}, []float32{-0.5, 1, 0.2, -3})
		}},
		{"Add", func(a *Node) (*Node, error) { return Add(a, a) }},
		{"Mul", func(a *Node) (*Node, error) { return Mul(a, a) }},
		{"MatMul", func(a *Node) (*Node, error) {
			r, err := Reshape(a, []int{24, 6})
			if err != nil {
				return nil, err
			}
			return MatMul(r, a.graph.Const(m), false, false, 1)
		}},
		{"ConvRelu", func(a *Node) (*Node, error) {
			return ConvRelu(a, a.graph.Const(w), nil, ConvParams{Pads: [4]int{1, 1, 1, 1}})
		}},
		{"Conv", func(a *Node) (*Node, error) { return Conv(a, a.graph.Const(w), nil, ConvParams{Strides: [2]int{2, 2}}) }},
		{"AveragePool", func(a *Node) (*Node, error) {
			return AveragePool(a, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}})
		}},
		{"MaxPool", func(a *Node) (*Node, error) {
			return MaxPool(a, PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}})
		}},
		{"GlobalAveragePool", GlobalAveragePool},
	} {
		g := New()
		x, _ := g.Input("x", shape...)
		// Square the input first: a lent value, and no kinks for the
		// differences to straddle except the op's own.
		a, err := Mul(x, x)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.op(a)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sq, err := Mul(b, b)
		if err != nil {
			t.Fatal(err)
		}
		loss, err := Dot(sq, randTensor(rng, sq.Shape()...))
		if err != nil {
			t.Fatal(err)
		}
		p, err := g.Compile(loss)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		x0 := randTensor(rng, shape...)
		if err := p.Run(x0); err != nil {
			t.Fatal(err)
		}
		grad, err := p.InputGrad()
		if err != nil {
			t.Fatal(err)
		}
		lossAt := func(v []float64) float64 {
			xt := NewTensor(shape...)
			for i, f := range v {
				xt.Data[i] = float32(f)
			}
			if err := p.Run(xt); err != nil {
				t.Fatal(err)
			}
			l, _ := p.Loss()
			return l
		}
		xs := make([]float64, len(x0.Data))
		for i, v := range x0.Data {
			xs[i] = float64(v)
		}
		testenv.FiniteDiff{H: 1e-2, Floor: 1e-3, Tol: 2e-2}.Check(t, c.name, grad.Data, lossAt, xs)
		p.Close()
	}
}
