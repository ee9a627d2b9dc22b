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
