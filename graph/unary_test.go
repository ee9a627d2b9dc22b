package graph

import (
	"math"
	"math/rand"
	"testing"
)

func mapRef(f func(float64) float64) func([]float64) []float64 {
	return func(x []float64) []float64 {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = f(v)
		}
		return y
	}
}

// awayFrom keeps inputs at least 0.05 from the kinks, where finite
// differences and the subgradient disagree.
func awayFrom(kinks ...float32) func(*rand.Rand, *Tensor) {
	return func(_ *rand.Rand, t *Tensor) {
		for i, v := range t.Data {
			for _, k := range kinks {
				if d := v - k; d > -0.05 && d < 0.05 {
					t.Data[i] = k + 0.1
				}
			}
		}
	}
}

func TestUnary(t *testing.T) {
	for _, c := range []opCase{
		{name: "Relu", in: []int{2, 3, 4}, build: Relu, ref: mapRef(func(v float64) float64 { return math.Max(v, 0) }), input: awayFrom(0)},
		{name: "LeakyRelu", in: []int{2, 5}, build: func(x *Node) (*Node, error) { return LeakyRelu(x, 0.1) },
			ref: mapRef(func(v float64) float64 {
				if v < 0 {
					return float64(float32(0.1)) * v
				}
				return v
			}), input: awayFrom(0)},
		{name: "Clip", in: []int{3, 7}, build: func(x *Node) (*Node, error) { return Clip(x, -0.5, 0.7) },
			ref: mapRef(func(v float64) float64 { return math.Min(math.Max(v, -0.5), float64(float32(0.7))) }), input: awayFrom(-0.5, 0.7)},
		{name: "Sigmoid", in: []int{10}, build: Sigmoid, ref: mapRef(func(v float64) float64 { return 1 / (1 + math.Exp(-v)) })},
		{name: "Tanh", in: []int{2, 2, 2}, build: Tanh, ref: mapRef(math.Tanh)},
	} {
		t.Run(c.name, func(t *testing.T) { runOpCase(t, c) })
	}
}

// TestReluRows checks Relu forward and backward, vector body and tail, on
// every length up to 40, with negative zeros among the values.
func TestReluRows(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	u := unary{kind: kindRelu}
	for n := 0; n <= 40; n++ {
		x, g := NewTensor(n), NewTensor(n)
		for i := range x.Data {
			x.Data[i] = float32(rng.Intn(5) - 2)
			if i%7 == 3 {
				x.Data[i] = float32(math.Copysign(0, -1))
			}
			g.Data[i] = float32(rng.NormFloat64())
		}
		y, d := NewTensor(n), NewTensor(n)
		u.Forward([]*Tensor{x}, y)
		u.Backward(0, []*Tensor{x}, y, g, d)
		for i, v := range x.Data {
			want, dwant := float32(0), float32(0)
			if v > 0 {
				want, dwant = v, g.Data[i]
			}
			if math.Float32bits(y.Data[i]) != math.Float32bits(want) || d.Data[i] != dwant {
				t.Fatalf("n=%d [%d]: relu(%g) = %g (bits %x), gradient %g; want %g, %g", n, i, v, y.Data[i], math.Float32bits(y.Data[i]), d.Data[i], want, dwant)
			}
		}
	}
}
