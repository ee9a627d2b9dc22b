package graph

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

// TestWinograd checks F(2×2, 3×3) against the im2col path of the same
// convolution (a kernel without a pack cache takes it), both passes, on
// shapes whose tiles run past the output's edge and past the last packed
// panel, with 3×3 and 5×5 filters, pads 0 to k−1 (the gradient's are k−1
// to 0), groups, bias and the fused Relu.
func TestWinograd(t *testing.T) {
	if panelRows == 0 {
		t.Skip("no packed matrix product on this machine")
	}
	rng := rand.New(rand.NewSource(4))
	for _, c := range []struct {
		name string
		x, w []int
		p    ConvParams
		relu bool
	}{
		{"pad1", []int{2, 32, 7, 9}, []int{40, 32, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}, false},
		{"pad0-relu", []int{1, 48, 8, 6}, []int{32, 48, 3, 3}, ConvParams{}, true},
		{"asymmetric", []int{1, 32, 9, 8}, []int{33, 32, 3, 3}, ConvParams{Pads: [4]int{0, 2, 1, 0}}, true},
		{"groups-pad2", []int{1, 64, 6, 5}, []int{64, 32, 3, 3}, ConvParams{Group: 2, Pads: [4]int{2, 2, 2, 2}}, false},
		{"5x5-groups", []int{1, 64, 11, 10}, []int{96, 32, 5, 5}, ConvParams{Group: 2, Pads: [4]int{2, 2, 2, 2}}, true},
		{"5x5-asymmetric", []int{2, 32, 9, 12}, []int{40, 32, 5, 5}, ConvParams{Pads: [4]int{4, 1, 0, 3}}, false},
		// (The two above have more outputs than inputs, so their gradients
		// go the direct way; this one's is Winograd's.)
		{"5x5-narrowing", []int{1, 48, 11, 10}, []int{40, 48, 5, 5}, ConvParams{Pads: [4]int{2, 2, 2, 2}}, true},
		// Wide enough for the tiles as the products' columns.
		{"cols-odd", []int{1, 32, 7, 17}, []int{40, 32, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}, true},
		{"cols-5x5", []int{2, 64, 5, 20}, []int{64, 32, 5, 5}, ConvParams{Group: 2, Pads: [4]int{2, 2, 2, 2}}, false},
		{"cols-asymmetric", []int{1, 32, 6, 35}, []int{32, 32, 3, 3}, ConvParams{Pads: [4]int{0, 2, 1, 0}}, true},
		// The shapes the benchmarks invert: SqueezeNet 1.1's fire4 and
		// fire8 expand, CaffeNet's conv2 and conv3.
		{"cols-fire4", []int{1, 32, 27, 27}, []int{128, 32, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}, true},
		{"fire8", []int{1, 64, 13, 13}, []int{256, 64, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}, true},
		{"cols-conv2", []int{1, 96, 27, 27}, []int{256, 48, 5, 5}, ConvParams{Group: 2, Pads: [4]int{2, 2, 2, 2}}, true},
		{"conv3", []int{1, 256, 13, 13}, []int{384, 256, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}, true},
	} {
		p := c.p.withDefaults()
		fast := conv{p: p, packs: &packCache{}, relu: c.relu}
		ref := conv{p: p, relu: c.relu}
		x, w, b := randTensor(rng, c.x...), randTensor(rng, c.w...), randTensor(rng, c.w[0])
		shape, err := fast.OutShape([][]int{c.x, c.w, {c.w[0]}})
		if err != nil {
			t.Fatal(err)
		}
		q := fast.geom(c.x, c.w, shape)
		if !fast.winoUsable(q) {
			t.Fatalf("%s: F(2×2, 3×3) does not take %v", c.name, q)
		}
		if cols := newWinoPlan(q.cg, q.h, q.w, p.Pads[0], p.Pads[1], q.kh, q.mg, q.oh, q.ow).cols; cols != strings.HasPrefix(c.name, "cols") {
			t.Fatalf("%s: tiles as columns %v", c.name, cols)
		}
		in := []*Tensor{x, w, b}
		y, want := NewTensor(shape...), NewTensor(shape...)
		for i := range y.Data {
			y.Data[i] = float32(math.NaN()) // every output written
		}
		fast.Forward(in, y)
		ref.Forward(in, want)
		closeTo(t, c.name+" forward", y.Data, want.Data)

		gy := randTensor(rng, shape...)
		gx, wantGx := NewTensor(c.x...), NewTensor(c.x...)
		if fast.winoGradUsable(q) {
			for i := range gx.Data {
				gx.Data[i] = float32(math.NaN()) // the Winograd gradient sets all
			}
		}
		fast.Backward(0, in, want, gy, gx)
		ref.Backward(0, in, want, gy, wantGx)
		closeTo(t, c.name+" gradient", gx.Data, wantGx.Data)
	}
}

// closeTo fails unless got and want agree to 1e-5 of want's largest
// magnitude, and logs their relative difference ‖got − want‖/‖want‖.
func closeTo(t *testing.T, name string, got, want []float32) {
	t.Helper()
	scale, num, den := 1e-6, 0.0, 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		d := math.Abs(float64(got[i] - want[i]))
		if !(d <= 1e-5*scale) {
			t.Fatalf("%s: [%d] = %g, want %g", name, i, got[i], want[i])
		}
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	t.Logf("%s: relative difference %.1e", name, math.Sqrt(num/den))
}
