package graph

import (
	"math"
	"testing"
)

// TestNaNSemantics: a NaN input gives a NaN output, as onnxruntime 1.30
// gives it (Relu, Clip, LeakyRelu, Sigmoid, HardSwish, GELU, Softmax,
// checked there on [NaN, −NaN, 1, −1]), on the vector paths and the scalar
// tails alike; other values are untouched.
func TestNaNSemantics(t *testing.T) {
	negNaN := math.Float32frombits(math.Float32bits(float32(math.NaN())) | 1<<31)
	x := NewTensor(19)
	for i := range x.Data {
		x.Data[i] = float32(i%5) - 2
	}
	nanAt := []int{0, 5, 9, 17, 18}
	x.Data[0], x.Data[5], x.Data[9], x.Data[17], x.Data[18] = float32(math.NaN()), negNaN, float32(math.NaN()), negNaN, float32(math.NaN())
	isNaN := func(v float32) bool { return v != v }
	for _, k := range []Kernel{unary{kind: kindRelu}, unary{kind: kindClip, a: 0, b: 6}, unary{kind: kindLeakyRelu, a: 0.1},
		unary{kind: kindSigmoid}, mathFn{fn: FnHardSwish}, mathFn{fn: FnGelu}, mathFn{fn: FnErf}} {
		y := NewTensor(19)
		k.Forward([]*Tensor{x}, y)
		for _, i := range nanAt {
			if !isNaN(y.Data[i]) {
				t.Errorf("%v(NaN) at %d = %g, want NaN", k, i, y.Data[i])
			}
		}
		if isNaN(y.Data[1]) || isNaN(y.Data[2]) {
			t.Errorf("%v: NaN where the input was finite: %v", k, y.Data[:5])
		}
	}
	row := &Tensor{Shape: []int{1, 19}, Data: x.Data}
	y := NewTensor(1, 19)
	softmax{axis: 1}.Forward([]*Tensor{row}, y)
	for i, v := range y.Data {
		if !isNaN(v) {
			t.Fatalf("softmax of a row with a NaN: [%d] = %g, want NaN", i, v)
		}
	}
}

// TestZeroGradientThroughPoles: where no gradient comes in, none goes
// out, even at a pole: x/0 and √0 (a quantised LayerNorm whose variance
// rounded to zero, its quotient then clipped by a quantiser) give 0, not
// 0·∞ = NaN; where a gradient does come in, the pole's ∞ stays.
func TestZeroGradientThroughPoles(t *testing.T) {
	x := &Tensor{Shape: []int{2}, Data: []float32{1.5, 2}}
	den := &Tensor{Shape: []int{2}, Data: []float32{0, 4}}
	q := NewTensor(2)
	div := binary{kind: kindDiv}
	div.Forward([]*Tensor{x, den}, q)
	g := &Tensor{Shape: []int{2}, Data: []float32{0, 1}}
	for i := range 2 {
		d := NewTensor(2)
		div.Backward(i, []*Tensor{x, den}, q, g, d)
		if d.Data[0] != 0 {
			t.Errorf("Div ∂/∂in%d where no gradient came in: %g, want 0", i, d.Data[0])
		}
		if want := []float32{0.25, -2.0 / 16}[i]; d.Data[1] != want {
			t.Errorf("Div ∂/∂in%d = %g, want %g", i, d.Data[1], want)
		}
	}
	v := &Tensor{Shape: []int{2}, Data: []float32{0, 0}}
	s := NewTensor(2)
	sq := mathFn{fn: FnSqrt}
	sq.Forward([]*Tensor{v}, s)
	d := NewTensor(2)
	sq.Backward(0, []*Tensor{v}, s, g, d)
	if d.Data[0] != 0 || !math.IsInf(float64(d.Data[1]), 1) {
		t.Errorf("√ at 0: gradients %v for incoming %v, want [0 +Inf]", d.Data, g.Data)
	}
}
