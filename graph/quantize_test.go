package graph

import (
	"math"
	"testing"
)

// TestQuantizeKnown: rounding half to even, the zero point added after
// rounding, saturation at the type's range, one scale per channel of an
// axis; the gradient passes straight through (divided by the scale)
// inside the range and stops where the value was clipped.
func TestQuantizeKnown(t *testing.T) {
	q := quantize{axis: -1, lo: 0, hi: 255}
	x := &Tensor{Shape: []int{8}, Data: []float32{0.25, 0.75, 1.25, -0.25, -100, 100, 0.5, 63}}
	s := &Tensor{Shape: []int{}, Data: []float32{0.5}}
	z := &Tensor{Shape: []int{}, Data: []float32{128}}
	out := NewTensor(8)
	q.Forward([]*Tensor{x, s, z}, out)
	// x/s: 0.5→0 (even), 1.5→2, 2.5→2, −0.5→−0, −200, 200, 1, 126.
	want := []float32{128, 130, 130, 128, 0, 255, 129, 254}
	for i, w := range want {
		if out.Data[i] != w {
			t.Fatalf("q(%g) = %g, want %g", x.Data[i], out.Data[i], w)
		}
	}
	gout := &Tensor{Shape: []int{8}, Data: []float32{1, 1, 1, 1, 1, 1, 1, 1}}
	gin := NewTensor(8)
	q.Backward(0, []*Tensor{x, s, z}, out, gout, gin)
	for i, w := range []float32{2, 2, 2, 2, 0, 0, 2, 2} {
		if gin.Data[i] != w {
			t.Fatalf("gradient at %g = %g, want %g (straight through ÷ scale inside the range, 0 clipped)", x.Data[i], gin.Data[i], w)
		}
	}

	// Per channel of axis 1, int8: channel 0 scale 1, channel 1 scale 0.25.
	pc := quantize{axis: 1, lo: -128, hi: 127}
	x2 := &Tensor{Shape: []int{1, 2, 2}, Data: []float32{3.5, -200, 0.875, -1.125}}
	s2 := &Tensor{Shape: []int{2}, Data: []float32{1, 0.25}}
	z2 := &Tensor{Shape: []int{2}, Data: []float32{0, -1}}
	out2 := NewTensor(1, 2, 2)
	pc.Forward([]*Tensor{x2, s2, z2}, out2)
	for i, w := range []float32{4, -128, 4 - 1, -4 - 1} { // 3.5→4, −4.5→−4
		if out2.Data[i] != w {
			t.Fatalf("per-channel q[%d] = %g, want %g", i, out2.Data[i], w)
		}
	}
}

// TestDynamicQuantParams: the range widened to hold 0, mapped onto
// 0..255, with the zero point rounded half to even.
func TestDynamicQuantParams(t *testing.T) {
	for _, c := range []struct {
		data        []float32
		scale, zero float32
	}{
		{[]float32{0, 2.55}, 0.01, 0},
		{[]float32{-1.275, 1.275}, 0.01, 128}, // 127.5 rounds to 128
		{[]float32{-2.55, -1}, 0.01, 255},
		{[]float32{1, 2}, 2.0 / 255, 0},
		{[]float32{0, 0}, 0, 0},
	} {
		s, z := DynamicQuantParams(c.data)
		if s != c.scale || z != c.zero {
			t.Errorf("%v: scale %g zero %g, want %g and %g", c.data, s, z, c.scale, c.zero)
		}
	}
}

// TestQLinearAdd: onnxruntime's arithmetic (zero points folded into one
// constant, fused multiply-adds, rounding half to even, clamp) and the
// straight-through gradient, ra for a and rb for b, 0 where clipped.
func TestQLinearAdd(t *testing.T) {
	k := qadd{ra: 0.5, rb: 0.25, fixed: 10 - (0.5*4 + 0.25*8), lo: 0, hi: 255}
	a := &Tensor{Shape: []int{4}, Data: []float32{4, 5, 255, 0}}
	b := &Tensor{Shape: []int{4}, Data: []float32{8, 8, 255, 0}}
	out := NewTensor(4)
	k.Forward([]*Tensor{a, b}, out)
	// (a−4)·0.5 + (b−8)·0.25 + 10: 10, 10.5 → 10 (even), 10 + 125.5 + 61.75 = 197.25 → 197, 10 − 2 − 2 = 6.
	for i, w := range []float32{10, 10, 197, 6} {
		if out.Data[i] != w {
			t.Fatalf("c[%d] = %g, want %g", i, out.Data[i], w)
		}
	}
	clip := qadd{ra: 4, rb: 4, lo: 0, hi: 255}
	g := &Tensor{Shape: []int{4}, Data: []float32{1, 1, 1, 1}}
	for i, want := range [][]float32{{4, 4, 0, 4}, {4, 4, 0, 4}} {
		gin := NewTensor(4)
		clip.Backward(i, []*Tensor{a, b}, out, g, gin)
		for j := range want {
			if gin.Data[j] != want[j] {
				t.Fatalf("gradient %d [%d] = %g, want %g", i, j, gin.Data[j], want[j])
			}
		}
	}
}

// TestQLinearSoftmaxGradient: the straight-through gradient is the float
// softmax's of xs·x over the last axis, divided by ys: finite differences
// of that softmax agree.
func TestQLinearSoftmaxGradient(t *testing.T) {
	q := &qsoftmax{xs: 0.1, ys: 1.0 / 256}
	x := &Tensor{Shape: []int{1, 4}, Data: []float32{100, 140, 120, 90}}
	g := &Tensor{Shape: []int{1, 4}, Data: []float32{1, -2, 0.5, 3}}
	gin := NewTensor(1, 4)
	q.Backward(0, []*Tensor{x}, nil, g, gin)
	soft := func(v []float64) []float64 {
		m, s := -1e300, 0.0
		for _, u := range v {
			m = math.Max(m, u)
		}
		out := make([]float64, len(v))
		for i, u := range v {
			out[i] = math.Exp(0.1 * (u - m))
			s += out[i]
		}
		for i := range out {
			out[i] /= s * (1.0 / 256)
		}
		return out
	}
	for j := range x.Data {
		v := []float64{100, 140, 120, 90}
		const h = 1e-4
		v[j] += h
		p := soft(v)
		v[j] -= 2 * h
		m := soft(v)
		fd := 0.0
		for i := range p {
			fd += float64(g.Data[i]) * (p[i] - m[i]) / (2 * h)
		}
		if math.Abs(fd-float64(gin.Data[j])) > 1e-3*math.Max(1, math.Abs(fd)) {
			t.Fatalf("gradient[%d] = %g, finite difference %g", j, gin.Data[j], fd)
		}
	}
}
