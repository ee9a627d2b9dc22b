package graph

import (
	"slices"
	"testing"
)

// TestHardmax: one 1 per lane, at the first of equal maxima, along either
// axis; no gradient.
func TestHardmax(t *testing.T) {
	x := &Tensor{Shape: []int{2, 3}, Data: []float32{1, 3, 3, -1, -5, -2}}
	for axis, want := range map[int][]float32{1: {0, 1, 0, 1, 0, 0}, 0: {1, 1, 1, 0, 0, 0}} {
		y := NewTensor(2, 3)
		hardmax{axis}.Forward([]*Tensor{x}, y)
		if !slices.Equal(y.Data, want) {
			t.Errorf("axis %d: %v, want %v", axis, y.Data, want)
		}
		d := &Tensor{Shape: []int{2, 3}, Data: []float32{9, 9, 9, 9, 9, 9}}
		hardmax{axis}.Backward(0, []*Tensor{x}, y, y, d)
		if slices.Max(d.Data) != 0 || slices.Min(d.Data) != 0 {
			t.Errorf("gradient %v, want 0", d.Data)
		}
	}
}
