package graph

import (
	"math"
	"math/rand"
	"testing"
)

func TestBinaryBroadcast(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	ops := []struct {
		name string
		f    func(a, b *Node) (*Node, error)
		g    func(a, b float64) float64
	}{
		{"Add", Add, func(a, b float64) float64 { return a + b }},
		{"Sub", Sub, func(a, b float64) float64 { return a - b }},
		{"Mul", Mul, func(a, b float64) float64 { return a * b }},
		{"Div", Div, func(a, b float64) float64 { return a / b }},
		{"Pow", func(a, b *Node) (*Node, error) {
			// Positive bases, so that both gradients exist.
			two := a.graph.Const(&Tensor{Data: []float32{2}})
			sq, err := Mul(a, a)
			if err != nil {
				return nil, err
			}
			base, err := Add(sq, two)
			if err != nil {
				return nil, err
			}
			return Pow(base, b)
		}, func(a, b float64) float64 { return math.Pow(a*a+2, b) }},
		{"Max", Max, math.Max},
		{"Min", Min, math.Min},
		{"Fmod", Fmod, math.Mod}, // values away from its jumps (|x| < divisor)
		{"PRelu", PRelu, func(a, b float64) float64 {
			if a < 0 {
				return a * b
			}
			return a
		}},
	}
	for _, op := range ops {
		for _, c := range []struct{ x, c []int }{
			{[]int{2, 3, 2, 2}, []int{1, 3, 1, 1}},
			{[]int{2, 3}, []int{3}},
			{[]int{3, 1}, []int{1, 4}},
			{[]int{2, 2}, []int{2, 2}},
			{[]int{2, 3, 4, 5}, []int{5}},          // a bias over channels-last values
			{[]int{2, 3, 4, 5}, []int{2, 1, 4, 1}}, // broadcast in the middle and at the end
			{[]int{2, 3, 4}, nil},                  // a scalar
			{[]int{1, 4}, []int{3, 2, 4}},          // the live operand is the broadcast one
		} {
			k := randTensor(rng, c.c...)
			for i := range k.Data {
				k.Data[i] += 3 // keep divisors away from 0
			}
			out, _ := BroadcastShape(c.x, c.c)
			ref := func(x []float64) []float64 {
				y := make([]float64, Numel(out))
				broadcastWalk(out, c.x, c.c, func(o, i, j int) { y[o] = op.g(x[i], float64(k.Data[j])) })
				return y
			}
			runOpCase(t, opCase{name: op.name + "/x-const", in: c.x, ref: ref,
				build: func(x *Node) (*Node, error) { return op.f(x, x.graph.Const(k)) }})
			refRev := func(x []float64) []float64 {
				y := make([]float64, Numel(out))
				broadcastWalk(out, c.x, c.c, func(o, i, j int) { y[o] = op.g(float64(k.Data[j]), x[i]+5) })
				return y
			}
			// The live operand second, to exercise the other gradient.
			runOpCase(t, opCase{name: op.name + "/const-x", in: c.x, ref: refRev,
				build: func(x *Node) (*Node, error) {
					five := x.graph.Const(&Tensor{Data: []float32{5}})
					xs, err := Add(x, five)
					if err != nil {
						return nil, err
					}
					return op.f(x.graph.Const(k), xs)
				}})
		}
	}
	// Mul(x, x): both inputs are the same node.
	runOpCase(t, opCase{name: "Mul/x-x", in: []int{5}, build: func(x *Node) (*Node, error) { return Mul(x, x) },
		ref: func(x []float64) []float64 {
			y := make([]float64, len(x))
			for i, v := range x {
				y[i] = v * v
			}
			return y
		}})
}
