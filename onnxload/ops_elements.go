package onnxload

import (
	"errors"
	"fmt"

	"github.com/invrep/invrep/graph"
)

// GatherElements, ScatterElements and Compress move values by indices
// stored in the file: each is a linear map of its float inputs (graph's
// LinearMap, one tap per output, or one per write for a scatter that
// adds), so its gradient is the map's transpose. Indices that depend on
// the input have no gradient and are refused.

var elementOps = map[string]opFunc{
	"GatherElements": opGatherElements, "ScatterElements": opScatterElements, "Scatter": opScatterElements,
	"Compress": opCompress,
}

// elementIndex maps the position pos of an indices tensor shaped s, with
// index v along axis, to the flat offset it names in a tensor shaped data.
func elementIndex(pos int, s, data []int, axis int, v int64) (int, error) {
	if v < 0 {
		v += int64(data[axis])
	}
	if v < 0 || v >= int64(data[axis]) {
		return 0, fmt.Errorf("index %d out of range for axis %d of %v", v, axis, data)
	}
	off, stride := 0, 1
	for d := len(s) - 1; d >= 0; d-- {
		c := pos % s[d]
		pos /= s[d]
		if d == axis {
			c = int(v)
		}
		off += c * stride
		stride *= data[d]
	}
	return off, nil
}

// elementOperands reads the indices (input k, constant integers of the
// data's rank, no axis longer than the data's except the gathered one)
// and the axis.
func elementOperands(n *Node, in []value, k int, data []int) (*Tensor, int, error) {
	idx, ok := host(in[k])
	if !present(in, k) || !ok || !idx.IsInt {
		return nil, 0, fmt.Errorf("input %d (the indices) must be integer constants", k)
	}
	axis64, err := attrInt(n, "axis", 0)
	if err != nil {
		return nil, 0, err
	}
	axis, err := normAxis(axis64, len(data))
	if err != nil {
		return nil, 0, err
	}
	s := intShape(idx)
	if len(s) != len(data) {
		return nil, 0, fmt.Errorf("indices %v and data %v differ in rank", s, data)
	}
	for d := range s {
		if d != axis && s[d] > data[d] {
			return nil, 0, fmt.Errorf("indices %v exceed data %v off axis %d", s, data, axis)
		}
	}
	return idx, axis, nil
}

func opGatherElements(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	idx, axis, err := elementOperands(n, in, 1, x.Shape())
	if err != nil {
		return nil, err
	}
	s := intShape(idx)
	flat := make([]int32, len(idx.Int))
	for p, v := range idx.Int {
		off, err := elementIndex(p, s, x.Shape(), axis, v)
		if err != nil {
			return nil, err
		}
		flat[p] = int32(off)
	}
	return one(graph.Gather(x, "GatherElements", s, flat))
}

// opScatterElements writes updates into a copy of data at the indices
// along axis: reduction none (the last write to a position wins) or add.
// Scatter (opset 9–10) is the same op.
func opScatterElements(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	u, err := b.float(n, in, 2)
	if err != nil {
		return nil, err
	}
	ds := x.Shape()
	idx, axis, err := elementOperands(n, in, 1, ds)
	if err != nil {
		return nil, err
	}
	reduction := "none"
	if r, ok := n.Attrs["reduction"].(string); ok {
		reduction = r
	}
	if reduction != "none" && reduction != "add" {
		return nil, fmt.Errorf("reduction %q is not supported (none and add are)", reduction)
	}
	s := intShape(idx)
	if graph.Numel(u.Shape()) != len(idx.Int) {
		return nil, fmt.Errorf("updates %v and indices %v differ", u.Shape(), s)
	}
	total := graph.Numel(ds)
	writes := make([][]int, total) // the updates landing on each position
	for p, v := range idx.Int {
		off, err := elementIndex(p, s, ds, axis, v)
		if err != nil {
			return nil, err
		}
		if reduction == "none" {
			writes[off] = []int{p}
		} else {
			writes[off] = append(writes[off], p)
		}
	}
	taps := 1
	for _, w := range writes {
		taps = max(taps, len(w))
	}
	// out = keep ⊙ data + Σ updates written, each as a linear map.
	keepIdx, keepW := make([]int32, total), make([]float32, total)
	upIdx, upW := make([]int32, total*taps), make([]float32, total*taps)
	for o := range total {
		keepIdx[o] = int32(o)
		if reduction == "add" || len(writes[o]) == 0 {
			keepW[o] = 1
		}
		for t, p := range writes[o] {
			upIdx[o*taps+t], upW[o*taps+t] = int32(p), 1
		}
	}
	kept, err := graph.LinearMap(x, "ScatterElements(data)", ds, 1, keepIdx, keepW)
	if err != nil {
		return nil, err
	}
	placed, err := graph.LinearMap(u, "ScatterElements(updates)", ds, taps, upIdx, upW)
	if err != nil {
		return nil, err
	}
	return one(graph.Add(kept, placed))
}

// opCompress keeps the slices along axis (or of the flattened input)
// where the constant condition is true.
func opCompress(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	cond, ok := host(in[1])
	if !present(in, 1) || !ok {
		return nil, errors.New("the condition must be a constant")
	}
	s := x.Shape()
	axis64, hasAxis := n.Attrs["axis"].(int64)
	if !hasAxis { // the flattened input
		flatShape := []int{graph.Numel(s)}
		if x, err = graph.Reshape(x, flatShape); err != nil {
			return nil, err
		}
		s, axis64 = flatShape, 0
	}
	axis, err := normAxis(axis64, len(s))
	if err != nil {
		return nil, err
	}
	var keep []int
	for i := 0; i < min(int(cond.Numel()), s[axis]); i++ {
		if cond.at(i) != 0 {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 {
		return nil, errors.New("the condition keeps nothing (an empty result)")
	}
	out := append([]int(nil), s...)
	out[axis] = len(keep)
	inner := graph.Numel(s[axis+1:])
	flat := make([]int32, 0, graph.Numel(out))
	for o := 0; o < graph.Numel(s[:axis]); o++ {
		for _, k := range keep {
			for i := 0; i < inner; i++ {
				flat = append(flat, int32((o*s[axis]+k)*inner+i))
			}
		}
	}
	return one(graph.Gather(x, "Compress", out, flat))
}
