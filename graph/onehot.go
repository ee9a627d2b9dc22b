package graph

import (
	"fmt"
	"math"
)

// onehot is ONNX's OneHot with indices that depend on the input: along a
// new axis of depth values, on at each index (truncated to an integer,
// negative ones counted from the end) and off elsewhere. It is piecewise
// constant in the indices: its gradient is 0.
type onehot struct {
	axis, depth int
	off, on     float32
}

func (k onehot) String() string    { return fmt.Sprintf("OneHot(axis=%d,depth=%d)", k.axis, k.depth) }
func (k onehot) Diffable(int) bool { return true }
func (k onehot) OutShape(in [][]int) ([]int, error) {
	s := in[0]
	if k.axis < 0 || k.axis > len(s) || k.depth < 1 {
		return nil, fmt.Errorf("axis %d or depth %d out of range for %v", k.axis, k.depth, s)
	}
	return append(append(append([]int(nil), s[:k.axis]...), k.depth), s[k.axis:]...), nil
}

// Overwrites implements Overwriter.
func (k onehot) Overwrites(bool, int) bool { return true }

func (k onehot) Forward(in []*Tensor, out *Tensor) {
	s := in[0].Shape
	outer, inner := Numel(s[:k.axis]), Numel(s[k.axis:])
	for o := 0; o < outer; o++ {
		for d := 0; d < k.depth; d++ {
			for i := 0; i < inner; i++ {
				v := math.Trunc(float64(in[0].Data[o*inner+i]))
				if v < 0 {
					v += float64(k.depth)
				}
				y := k.off
				if v == float64(d) {
					y = k.on
				}
				out.Data[(o*k.depth+d)*inner+i] = y
			}
		}
	}
}

func (k onehot) Backward(_ int, _ []*Tensor, _, _, gin *Tensor) { clear(gin.Data) }

// OneHot is indices one-hot along a new axis of depth values (off, on).
func OneHot(indices *Node, axis, depth int, off, on float32) (*Node, error) {
	return Apply(onehot{axis: axis, depth: depth, off: off, on: on}, indices)
}
