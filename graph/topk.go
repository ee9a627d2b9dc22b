package graph

import (
	"fmt"
	"sort"
)

// topk keeps the k largest (or smallest) values along an axis, sorted,
// ties going to the lower index (ONNX's TopK values). Its gradient goes to
// the values kept, where they were.
type topk struct {
	axis, k int
	largest bool
}

func (t topk) String() string    { return fmt.Sprintf("TopK(axis=%d,k=%d)", t.axis, t.k) }
func (t topk) Diffable(int) bool { return true }
func (t topk) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || t.axis < 0 || t.axis >= len(in[0]) {
		return nil, fmt.Errorf("axis %d out of range for %v", t.axis, in)
	}
	if t.k < 1 || t.k > in[0][t.axis] {
		return nil, fmt.Errorf("k = %d: axis %d of %v has %d values", t.k, t.axis, in[0], in[0][t.axis])
	}
	out := append([]int(nil), in[0]...)
	out[t.axis] = t.k
	return out, nil
}

// Overwrites implements Overwriter.
func (t topk) Overwrites(bool, int) bool { return true }

// each calls f with the input and output offsets of every kept value, lane
// by lane: the lanes of the input along the axis, and of the output.
func (t topk) each(shape []int, x []float32, f func(in, out int)) {
	outer, n, inner := Numel(shape[:t.axis]), shape[t.axis], Numel(shape[t.axis+1:])
	order := make([]int, n)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*n*inner + i
			for j := range order {
				order[j] = j
			}
			sort.SliceStable(order, func(a, b int) bool {
				va, vb := x[base+order[a]*inner], x[base+order[b]*inner]
				if t.largest {
					return va > vb
				}
				return va < vb
			})
			for j := 0; j < t.k; j++ {
				f(base+order[j]*inner, o*t.k*inner+j*inner+i)
			}
		}
	}
}

func (t topk) Forward(in []*Tensor, out *Tensor) {
	x := in[0].Data
	t.each(in[0].Shape, x, func(i, o int) { out.Data[o] = x[i] })
}

func (t topk) Backward(_ int, in []*Tensor, _, gout, gin *Tensor) {
	clear(gin.Data)
	t.each(in[0].Shape, in[0].Data, func(i, o int) { gin.Data[i] += gout.Data[o] })
}

// TopK is the k largest (largest false: smallest) values of x along axis,
// sorted.
func TopK(x *Node, axis, k int, largest bool) (*Node, error) {
	if axis < 0 {
		axis += len(x.shape)
	}
	return Apply(topk{axis: axis, k: k, largest: largest}, x)
}
