package onnxload

import (
	"path/filepath"
	"testing"

	"github.com/invrep/invrep/graph/testenv"
)

// TestReceptiveFieldsFixture: a chain adds (d(k−1))·stride per window and
// multiplies the strides; a branch meeting it keeps the widest field; a
// flatten makes the field global.
func TestReceptiveFieldsFixture(t *testing.T) {
	f := newFixture(13, 1, 2, 32, 32)
	c := f.node("Conv", []string{"x", f.weight(4, 2, 3, 3)}, map[string]any{"strides": []int64{2, 2}}) // 3, stride 2
	p := f.node("MaxPool", []string{f.node("Relu", []string{c}, nil)}, map[string]any{"kernel_shape": []int64{3, 3}, "strides": []int64{2, 2}})
	d := f.node("Conv", []string{p, f.weight(4, 4, 3, 3)}, map[string]any{"dilations": []int64{2, 2}, "pads": []int64{2, 2, 2, 2}})
	b := f.node("Conv", []string{p, f.weight(4, 4, 1, 1)}, nil)
	cat := f.node("Concat", []string{d, b}, map[string]any{"axis": int64(1)})
	fl := f.node("Flatten", []string{cat}, nil)
	// A transposed convolution (3×3, stride 2) reads ⌈3/2⌉ = 2 inputs, at
	// half the stride; a Resize by 2 stored in the file, 2 input steps; a
	// Gather and a Resize by computed sizes rearrange positions.
	ct := f.node("ConvTranspose", []string{cat, f.weight(8, 4, 3, 3)}, map[string]any{"strides": []int64{2, 2}})
	rs := f.node("Resize", []string{cat, "", f.floats([]int64{4}, 1, 1, 2, 2)}, map[string]any{"mode": "linear"})
	ga := f.node("Gather", []string{cat, f.ints(0, 1)}, map[string]any{"axis": int64(2)})
	tr := f.node("Transpose", []string{cat}, map[string]any{"perm": []int64{0, 2, 3, 1}})
	m, err := f.model(fl, ct, rs, ga, tr)
	if err != nil {
		t.Fatal(err)
	}
	rf, err := m.ReceptiveFields()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]RF{
		c:   {Size: 3, Stride: 2},
		p:   {Size: 3 + 2*2, Stride: 4},       // 7
		d:   {Size: 7 + 2*(3-1)*4, Stride: 4}, // 23: dilation 2
		b:   {Size: 7, Stride: 4},
		cat: {Size: 23, Stride: 4},
		fl:  {Size: 23, Stride: 4, Global: true, Unknown: true},
		ct:  {Size: 23 + 1*4, Stride: 2},
		rs:  {Size: 23 + 2*4, Stride: 2},
		ga:  {Size: 23, Stride: 4, Global: true, Unknown: true},
		tr:  {Size: 23, Stride: 4},
	} {
		if rf[name] != want {
			t.Errorf("%s: %v, want %v", name, rf[name], want)
		}
	}
	if _, err := m.ReceptiveField("nope"); err == nil {
		t.Error("an unknown layer has a receptive field")
	}
}

// TestReceptiveFieldsShared: AlexNet's and SqueezeNet 1.1's fields, by
// hand from their layer tables (AlexNet pool5: 195 pixels at stride 32).
func TestReceptiveFieldsShared(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "models")
	for _, c := range []struct {
		file string
		want map[string]RF
	}{
		// conv1 11/4, pool1 3/2, conv2 5, pool2 3/2, conv3–5 3, pool5 3/2.
		{"arch/bvlc_alexnet.onnx", map[string]RF{"r0": {11, 4, false, false}, "r3": {19, 8, false, false}, "r4": {51, 8, false, false}, "r7": {67, 16, false, false},
			"r12": {163, 16, false, false}, "r14": {195, 32, false, false}, "r16": {195, 32, true, true}}},
		// conv 3/2, pool 3/2, fires (3×3 expand) and pools 3/2.
		{"squeezenet1.1.onnx", map[string]RF{"conv0_relu": {3, 2, false, false}, "pool0": {7, 4, false, false}, "fire0": {15, 4, false, false}, "fire1": {23, 4, false, false},
			"pool1": {31, 8, false, false}, "fire3": {63, 8, false, false}, "pool2": {79, 16, false, false}, "fire7": {207, 16, false, false}, "logits": {207, 16, true, false}}},
	} {
		m, err := Load(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		for layer, want := range c.want {
			got, err := m.ReceptiveField(layer)
			if err != nil || got != want {
				t.Errorf("%s %s: %v (%v), want %v", c.file, layer, got, err, want)
			}
		}
	}
}
