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
