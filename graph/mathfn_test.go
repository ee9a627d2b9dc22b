package graph

import (
	"math"
	"math/rand"
	"testing"
)

func TestMathFn(t *testing.T) {
	positive := func(_ *rand.Rand, t *Tensor) {
		for i, v := range t.Data {
			t.Data[i] = float32(math.Abs(float64(v))) + 0.2
		}
	}
	elu := func(a, g float64) func(float64) float64 {
		return func(v float64) float64 {
			if v > 0 {
				return g * v
			}
			return g * a * (math.Exp(v) - 1)
		}
	}
	hardSigmoid := func(v float64) float64 { return math.Max(0, math.Min(1, v/6+0.5)) }
	// unit squeezes the inputs into (−0.9, 0.9), the domain of asin, acos
	// and atanh with room for the finite differences.
	unit := func(_ *rand.Rand, t *Tensor) {
		for i, v := range t.Data {
			t.Data[i] = float32(0.9 * math.Tanh(float64(v)))
		}
	}
	aboveOne := func(_ *rand.Rand, t *Tensor) {
		for i, v := range t.Data {
			t.Data[i] = float32(math.Abs(float64(v))) + 1.2
		}
	}
	sp := func(v float64) float64 { return math.Log(1 + math.Exp(v)) }
	for _, c := range []struct {
		fn    MathFn
		a, b  float64
		ref   func(float64) float64
		input func(*rand.Rand, *Tensor)
	}{
		{fn: FnSqrt, ref: math.Sqrt, input: positive},
		{fn: FnExp, ref: math.Exp},
		{fn: FnLog, ref: math.Log, input: positive},
		{fn: FnNeg, ref: func(v float64) float64 { return -v }},
		{fn: FnAbs, ref: math.Abs, input: awayFrom(0)},
		{fn: FnReciprocal, ref: func(v float64) float64 { return 1 / v }, input: positive},
		{fn: FnErf, ref: math.Erf},
		{fn: FnGelu, ref: func(v float64) float64 { return v * 0.5 * math.Erfc(-v/math.Sqrt2) }},
		{fn: FnGeluTanh, ref: func(v float64) float64 {
			return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*math.Pow(v, 3))))
		}},
		{fn: FnHardSigmoid, a: 0.2, b: 0.5, ref: func(v float64) float64 { return math.Max(0, math.Min(1, 0.2*v+0.5)) }, input: awayFrom(-2.5, 2.5)},
		{fn: FnHardSwish, ref: func(v float64) float64 { return v * hardSigmoid(v) }, input: awayFrom(-3, 3)},
		{fn: FnSoftplus, ref: sp},
		{fn: FnElu, a: 0.7, ref: elu(0.7, 1), input: awayFrom(0)},
		{fn: FnSelu, a: 1.6732632423543772, b: 1.0507009873554805, ref: elu(1.6732632423543772, 1.0507009873554805), input: awayFrom(0)},
		{fn: FnMish, ref: func(v float64) float64 { return v * math.Tanh(sp(v)) }},
		{fn: FnPow, a: 2, ref: func(v float64) float64 { return v * v }},
		{fn: FnPow, a: 3, ref: func(v float64) float64 { return v * v * v }},
		{fn: FnPow, a: 0.5, ref: math.Sqrt, input: positive},
		{fn: FnPow, a: -1.5, ref: func(v float64) float64 { return math.Pow(v, -1.5) }, input: positive},
		{fn: FnSoftsign, ref: func(v float64) float64 { return v / (1 + math.Abs(v)) }, input: awayFrom(0)},
		{fn: FnScale, a: -2, b: 0.25, ref: func(v float64) float64 { return -2*v + 0.25 }},
		{fn: FnSin, ref: math.Sin},
		{fn: FnCos, ref: math.Cos},
		{fn: FnSiLU, ref: func(v float64) float64 { return v / (1 + math.Exp(-v)) }},
		{fn: FnTan, ref: math.Tan, input: unit},
		{fn: FnAsin, ref: math.Asin, input: unit},
		{fn: FnAcos, ref: math.Acos, input: unit},
		{fn: FnAtan, ref: math.Atan},
		{fn: FnSinh, ref: math.Sinh},
		{fn: FnCosh, ref: math.Cosh},
		{fn: FnAsinh, ref: math.Asinh},
		{fn: FnAcosh, ref: math.Acosh, input: aboveOne},
		{fn: FnAtanh, ref: math.Atanh, input: unit},
		{fn: FnCelu, a: 0.7, ref: func(v float64) float64 { return math.Max(0, v) + math.Min(0, 0.7*(math.Exp(v/0.7)-1)) }, input: awayFrom(0)},
		{fn: FnShrink, a: 0.5, b: 0.2, ref: func(v float64) float64 {
			switch {
			case v < -0.5:
				return v + 0.2
			case v > 0.5:
				return v - 0.2
			}
			return 0
		}, input: awayFrom(-0.5, 0.5)},
		{fn: FnThresholdedRelu, a: 0.3, ref: func(v float64) float64 {
			if v > 0.3 {
				return v
			}
			return 0
		}, input: awayFrom(0.3)},
	} {
		k := mathFn{fn: c.fn, a: c.a, b: c.b}
		runOpCase(t, opCase{name: k.String(), in: []int{3, 17}, ref: mapRef(c.ref), input: c.input,
			build: func(x *Node) (*Node, error) { return Math(x, c.fn, c.a, c.b) }})
	}
}

// TestRoundingStraightThrough: Floor, Ceil and Round pass the gradient
// through unchanged (a quantiser's straight-through estimator), Sign passes
// none; their values are the functions'.
func TestRoundingStraightThrough(t *testing.T) {
	x := &Tensor{Shape: []int{4}, Data: []float32{-1.5, 0.5, 2.5, 2.7}}
	g := &Tensor{Shape: []int{4}, Data: []float32{1, -2, 3, 0.5}}
	for fn, want := range map[MathFn][]float32{FnFloor: {-2, 0, 2, 2}, FnCeil: {-1, 1, 3, 3}, FnRound: {-2, 0, 2, 3}, FnSign: {-1, 1, 1, 1}} {
		k := mathFn{fn: fn}
		y, d := NewTensor(4), NewTensor(4)
		k.Forward([]*Tensor{x}, y)
		k.Backward(0, []*Tensor{x}, y, g, d)
		wantGrad := g.Data
		if fn == FnSign {
			wantGrad = []float32{0, 0, 0, 0}
		}
		for i := range want {
			if y.Data[i] != want[i] || d.Data[i] != wantGrad[i] {
				t.Errorf("%v: values %v gradient %v, want %v and %v", k, y.Data, d.Data, want, wantGrad)
				break
			}
		}
	}
}
