package graph

import (
	"fmt"
	"slices"
)

// reshape gives the data a new shape with the same element count (Reshape,
// Flatten, Squeeze, Unsqueeze).
type reshape struct{ shape []int }

func (k reshape) String() string    { return fmt.Sprintf("Reshape(%v)", k.shape) }
func (k reshape) Diffable(int) bool { return true }
func (k reshape) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("want 1 input, got %d", len(in))
	}
	if Numel(in[0]) != Numel(k.shape) {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v (%d elements)", in[0], Numel(in[0]), k.shape, Numel(k.shape))
	}
	return append([]int(nil), k.shape...), nil
}
func (k reshape) Forward(in []*Tensor, out *Tensor) { copy(out.Data, in[0].Data) }

// GradReads implements GradReader: the gradient is the output's.
func (k reshape) GradReads(i, j int) bool { return false }

func (k reshape) Backward(_ int, _ []*Tensor, _, gout, gin *Tensor) { copy(gin.Data, gout.Data) }

// Reshape returns x with a new shape of the same size.
func Reshape(x *Node, shape []int) (*Node, error) {
	if slices.Equal(x.shape, shape) {
		return x, nil
	}
	return Apply(reshape{append([]int(nil), shape...)}, x)
}
