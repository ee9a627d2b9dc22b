package graph

import (
	"fmt"

	"github.com/invrep/invrep/graph/parallel"
)

// concat joins inputs along one axis.
type concat struct{ axis int }

func (k concat) String() string    { return fmt.Sprintf("Concat(axis=%d)", k.axis) }
func (k concat) Diffable(int) bool { return true }

// SplitsImages implements ImageSplitter: a concatenation along any axis
// but the batch's takes each image from the same image of every input.
func (k concat) SplitsImages(int) bool { return k.axis > 0 }
func (k concat) OutShape(in [][]int) ([]int, error) {
	out := append([]int(nil), in[0]...)
	if k.axis < 0 || k.axis >= len(out) {
		return nil, fmt.Errorf("axis %d out of range for rank %d", k.axis, len(out))
	}
	for _, s := range in[1:] {
		if len(s) != len(out) {
			return nil, fmt.Errorf("ranks differ: %v", in)
		}
		for d := range s {
			if d != k.axis && s[d] != out[d] {
				return nil, fmt.Errorf("shapes %v differ off axis %d", in, k.axis)
			}
		}
		out[k.axis] += s[k.axis]
	}
	return out, nil
}

// blocks returns the number of outer blocks and, per input, its inner block size.
func (k concat) blocks(in []*Tensor) (outer int, inner []int) {
	outer = Numel(in[0].Shape[:k.axis])
	inner = make([]int, len(in))
	for i, t := range in {
		inner[i] = Numel(t.Shape[k.axis:])
	}
	return
}

// Overwrites implements Overwriter: the parts tile the output, and each
// part's gradient is a copy.
func (k concat) Overwrites(bool, int) bool { return true }

func (k concat) Forward(in []*Tensor, out *Tensor) {
	outer, inner := k.blocks(in)
	var c copies
	o := 0
	for b := 0; b < outer; b++ {
		for i, t := range in {
			c.add(out.Data[o:o+inner[i]], t.Data[b*inner[i]:(b+1)*inner[i]])
			o += inner[i]
		}
	}
	c.run()
}

// copies is a list of copies run in parallel, each cut into pieces of at
// most copyPiece: DenseNet's concatenations (every layer's input is all the
// block's earlier outputs) copied a twelfth of its step on one core.
type copies struct{ dst, src [][]float32 }

const copyPiece = 1 << 14

func (c *copies) add(dst, src []float32) {
	for len(dst) > 0 {
		n := min(len(dst), copyPiece)
		c.dst, c.src = append(c.dst, dst[:n]), append(c.src, src[:n])
		dst, src = dst[n:], src[n:]
	}
}

func (c *copies) run() {
	parallel.For(len(c.dst), func(i int) { copy(c.dst[i], c.src[i]) })
}

// GradReads implements GradReader: each input's gradient is a slice of the
// output's.
func (k concat) GradReads(i, j int) bool { return false }

func (k concat) Backward(i int, in []*Tensor, _, gout, gin *Tensor) {
	outer, inner := k.blocks(in)
	step, off := 0, 0
	for j, n := range inner {
		if j < i {
			off += n
		}
		step += n
	}
	var c copies
	for b := 0; b < outer; b++ {
		c.add(gin.Data[b*inner[i]:(b+1)*inner[i]], gout.Data[b*step+off:])
	}
	c.run()
}

// ConcatShape is the shape Concat(axis, xs...) would have, or why they do
// not join.
func ConcatShape(axis int, xs ...*Node) ([]int, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("Concat: no inputs")
	}
	shapes := make([][]int, len(xs))
	for i, x := range xs {
		shapes[i] = x.shape
	}
	return concat{axis}.OutShape(shapes)
}

// Concat joins xs along axis (negative counts from the end).
func Concat(axis int, xs ...*Node) (*Node, error) {
	if len(xs) == 0 {
		return nil, fmt.Errorf("Concat: no inputs")
	}
	if axis < 0 {
		axis += len(xs[0].shape)
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	return Apply(concat{axis}, xs...)
}
