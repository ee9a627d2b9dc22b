package graph

import (
	"slices"
	"testing"
)

// TestOneHot: on at each (truncated, negative from the end) index along
// the new axis, off elsewhere; no gradient.
func TestOneHot(t *testing.T) {
	x := &Tensor{Shape: []int{2}, Data: []float32{1.7, -1}}
	y := NewTensor(2, 3)
	onehot{axis: 1, depth: 3, off: -1, on: 5}.Forward([]*Tensor{x}, y)
	if want := []float32{-1, 5, -1, -1, -1, 5}; !slices.Equal(y.Data, want) {
		t.Errorf("%v, want %v", y.Data, want)
	}
	y0 := NewTensor(3, 2)
	onehot{axis: 0, depth: 3, off: 0, on: 1}.Forward([]*Tensor{x}, y0)
	if want := []float32{0, 0, 1, 0, 0, 1}; !slices.Equal(y0.Data, want) {
		t.Errorf("axis 0: %v, want %v", y0.Data, want)
	}
}
