package graph

import "fmt"

// where picks x where the constant condition holds and y elsewhere, the
// three broadcast together (ONNX Where; masks are computed from constants
// in every export seen, so the condition is part of the kernel).
type where struct {
	cond  []bool
	shape []int // the condition's
}

func (k where) String() string    { return fmt.Sprintf("Where(%v)", k.shape) }
func (k where) Diffable(int) bool { return true }

// Overwrites implements Overwriter for the forward pass.
func (k where) Overwrites(grad bool, _ int) bool { return !grad }

func (k where) OutShape(in [][]int) ([]int, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("want 2 inputs, got %d", len(in))
	}
	s, err := BroadcastShape(k.shape, in[0])
	if err != nil {
		return nil, err
	}
	return BroadcastShape(s, in[1])
}

// walk calls f(o, c, i, j) with the offsets into the condition, x and y of
// every output element.
func (k where) walk(out, sx, sy []int, f func(o, c, i, j int)) {
	tc, tx, ty := bstrides(k.shape, out), bstrides(sx, out), bstrides(sy, out)
	eachIndex(out, func(o int, at []int) {
		c, i, j := 0, 0, 0
		for d, a := range at {
			c += a * tc[d]
			i += a * tx[d]
			j += a * ty[d]
		}
		f(o, c, i, j)
	})
}

func (k where) Forward(in []*Tensor, out *Tensor) {
	x, y, z := in[0].Data, in[1].Data, out.Data
	k.walk(out.Shape, in[0].Shape, in[1].Shape, func(o, c, i, j int) {
		if k.cond[c] {
			z[o] = x[i]
		} else {
			z[o] = y[j]
		}
	})
}

func (k where) Backward(which int, in []*Tensor, _, gout, gin *Tensor) {
	g, d := gout.Data, gin.Data
	k.walk(gout.Shape, in[0].Shape, in[1].Shape, func(o, c, i, j int) {
		switch {
		case which == 0 && k.cond[c]:
			d[i] += g[o]
		case which == 1 && !k.cond[c]:
			d[j] += g[o]
		}
	})
}

// Where is cond ? x : y elementwise, with cond a constant mask of shape
// condShape broadcast with x and y.
func Where(cond []bool, condShape []int, x, y *Node) (*Node, error) {
	if len(cond) != Numel(condShape) {
		return nil, fmt.Errorf("Where: %d condition values for shape %v", len(cond), condShape)
	}
	return Apply(where{cond: cond, shape: append([]int(nil), condShape...)}, x, y)
}
