package graph

import "fmt"

// hardmax is 1 at the first largest value along an axis and 0 elsewhere
// (ONNX's Hardmax). It is piecewise constant: its gradient is 0.
type hardmax struct{ axis int }

func (k hardmax) String() string    { return fmt.Sprintf("Hardmax(axis=%d)", k.axis) }
func (k hardmax) Diffable(int) bool { return true }
func (k hardmax) OutShape(in [][]int) ([]int, error) {
	return softmax{axis: k.axis}.OutShape(in)
}

// Overwrites implements Overwriter.
func (k hardmax) Overwrites(bool, int) bool { return true }

func (k hardmax) Forward(in []*Tensor, out *Tensor) {
	x, y := in[0].Data, out.Data
	softmax{axis: k.axis}.lanes(in[0].Shape, func(b, s, n int) {
		best := 0
		for j := 0; j < n; j++ {
			y[b+j*s] = 0
			// The first of equal maxima; a NaN is never the largest.
			if x[b+j*s] > x[b+best*s] || x[b+best*s] != x[b+best*s] {
				best = j
			}
		}
		if n > 0 {
			y[b+best*s] = 1
		}
	})
}

func (k hardmax) Backward(_ int, _ []*Tensor, _, _, gin *Tensor) {
	clear(gin.Data)
}

// Hardmax is 1 at the first largest value of x along axis, 0 elsewhere.
func Hardmax(x *Node, axis int) (*Node, error) { return Apply(hardmax{axis}, x) }
