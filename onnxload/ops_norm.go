package onnxload

// Normalisation: BatchNormalization (inference), LayerNormalization,
// GroupNormalization, InstanceNormalization.

import (
	"errors"
	"fmt"

	"github.com/invrep/invrep/graph"
)

var normOps = map[string]opFunc{
	"BatchNormalization": opBatchNorm, "LayerNormalization": opLayerNorm,
	"GroupNormalization": opGroupNorm, "InstanceNormalization": opInstanceNorm, "MeanVarianceNormalization": opMVN,
}

func opBatchNorm(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	xs := x.Shape()
	if len(xs) < 2 {
		return nil, fmt.Errorf("input shape %v has no channel axis", xs)
	}
	c := xs[1]
	var p [4][]float32
	for k := range p {
		if p[k], err = constFloats(in, k+1, c); err != nil {
			return nil, err
		}
	}
	eps, err := attrFloat(n, "epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	// Training mode normalises by the batch's own statistics (and updates
	// the running ones): computed as inference it would be silently wrong.
	if tm, err := attrInt(n, "training_mode", 0); err != nil || tm != 0 {
		return nil, errors.New("training_mode=1 (normalising by the batch's own statistics) is not computed: invrep runs models in inference mode; export the model in eval mode (PyTorch's model.eval())")
	}
	return one(graph.BatchNorm(x, p[0], p[1], p[2], p[3], float64(eps), b.fuse.convRelu[n]))
}

// weightsOf returns optional input k as a constant spread to shape (ONNX
// lets a norm's scale and bias broadcast), or nil when absent.
func (b *builder) weightsOf(n *Node, in []value, k int, shape []int) (*graph.Node, error) {
	if !present(in, k) {
		return nil, nil
	}
	w, err := b.float(n, in, k)
	if err != nil {
		return nil, err
	}
	if w.Live() {
		return nil, fmt.Errorf("input %d (a scale or bias) depends on the graph input", k)
	}
	if graph.Numel(w.Shape()) != graph.Numel(shape) {
		if w, err = graph.Broadcast(w, shape); err != nil {
			return nil, fmt.Errorf("input %d: %w", k, err)
		}
	}
	return w, nil
}

func opLayerNorm(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	a := attrs{n: n}
	axis, eps := a.int("axis", -1), a.float("epsilon", 1e-5)
	if a.err != nil {
		return nil, a.err
	}
	ax, err := normAxis(axis, len(x.Shape()))
	if err != nil {
		return nil, err
	}
	norm := x.Shape()[ax:]
	scale, err := b.weightsOf(n, in, 1, norm)
	if err != nil {
		return nil, err
	}
	bias, err := b.weightsOf(n, in, 2, norm)
	if err != nil {
		return nil, err
	}
	return one(graph.LayerNorm(x, ax, scale, bias, float64(eps)))
}

// opGroupNorm reads scale and bias per channel (opset 21) or per group
// (opset 18's form, spread to the group's channels).
func opGroupNorm(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	a := attrs{n: n}
	groups, eps := a.int("num_groups", 0), a.float("epsilon", 1e-5)
	if a.err != nil {
		return nil, a.err
	}
	xs := x.Shape()
	if len(xs) < 2 || groups <= 0 || int64(xs[1])%groups != 0 {
		return nil, fmt.Errorf("num_groups %d does not divide the channels of %v", groups, xs)
	}
	c := xs[1]
	var w [2]*graph.Node
	for k := range w {
		if !present(in, k+1) {
			continue
		}
		v, err := b.float(n, in, k+1)
		if err != nil {
			return nil, err
		}
		if graph.Numel(v.Shape()) == int(groups) && int(groups) != c {
			per := c / int(groups)
			idx := make([]int, c)
			for ch := range idx {
				idx[ch] = ch / per
			}
			if v, err = graph.Take(v, 0, idx, []int{c}); err != nil {
				return nil, err
			}
		}
		if graph.Numel(v.Shape()) != c {
			return nil, fmt.Errorf("input %d has %d values, want %d channels or %d groups", k+1, graph.Numel(v.Shape()), c, groups)
		}
		w[k] = v
	}
	return one(graph.GroupNorm(x, int(groups), w[0], w[1], float64(eps)))
}

func opInstanceNorm(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	eps, err := attrFloat(n, "epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	xs := x.Shape()
	if len(xs) < 3 {
		return nil, fmt.Errorf("input %v has no spatial axes", xs)
	}
	scale, err := b.weightsOf(n, in, 1, xs[1:2])
	if err != nil {
		return nil, err
	}
	bias, err := b.weightsOf(n, in, 2, xs[1:2])
	if err != nil {
		return nil, err
	}
	return one(graph.GroupNorm(x, xs[1], scale, bias, float64(eps)))
}

// opMVN is MeanVarianceNormalization: (x − E[x]) / (√E[(x − E[x])²] +
// 1e-9) over axes (default 0, 2, 3: per channel), as ONNX's function body
// computes it, from graph ops (so with their gradients).
func opMVN(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	axes64, ok, err := attrInts(n, "axes")
	if err != nil {
		return nil, err
	}
	if !ok {
		axes64 = []int64{0, 2, 3}
	}
	axes := make([]int, len(axes64))
	for k, a := range axes64 {
		if axes[k], err = normAxis(a, len(x.Shape())); err != nil {
			return nil, err
		}
	}
	mean, err := graph.Reduce(x, graph.ReduceMean, axes, true)
	if err != nil {
		return nil, err
	}
	d, err := graph.Sub(x, mean)
	if err != nil {
		return nil, err
	}
	sq, err := graph.Mul(d, d)
	if err != nil {
		return nil, err
	}
	v, err := graph.Reduce(sq, graph.ReduceMean, axes, true)
	if err != nil {
		return nil, err
	}
	sd, err := graph.Math(v, graph.FnSqrt, 0, 0)
	if err != nil {
		return nil, err
	}
	if sd, err = graph.Math(sd, graph.FnScale, 1, 1e-9); err != nil {
		return nil, err
	}
	return one(graph.Div(d, sd))
}
