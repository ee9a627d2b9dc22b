// Package graph builds differentiable float32 NCHW computations as gorgonia
// expression graphs. Each op is a plain forward/backward kernel over []float32
// wrapped as a gorgonia Op, so gorgonia's symbolic differentiation drives
// every representation (ONNX CNNs, HOG, DSIFT) through one autodiff path.
package graph

import (
	"fmt"
	"math"
)

// Tensor is a dense row-major float32 array. The numeric core works on it
// directly; gorgonia values are converted at the op boundary only.
type Tensor struct {
	Shape []int
	Data  []float32
}

// NewTensor returns a zeroed tensor of the given shape.
func NewTensor(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, Numel(shape))}
}

// Numel is the number of elements of a shape (1 for a scalar).
func Numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// MaxAbs returns max |t_i|.
func (t *Tensor) MaxAbs() float64 {
	m := 0.0
	for _, v := range t.Data {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

// SquaredNorm returns Σ t_i² accumulated in float64.
func (t *Tensor) SquaredNorm() float64 {
	s := 0.0
	for _, v := range t.Data {
		s += float64(v) * float64(v)
	}
	return s
}

// ShapeString formats a shape as 1,3,224,224.
func ShapeString(s []int) string {
	out := ""
	for i, d := range s {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprint(d)
	}
	return out
}
