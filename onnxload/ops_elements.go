package onnxload

import (
	"errors"
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

// GatherElements, ScatterElements and Compress move values by indices
// stored in the file: each is a linear map of its float inputs (graph's
// LinearMap, one tap per output, or one per write for a scatter that
// adds), so its gradient is the map's transpose. Indices that depend on
// the input have no gradient and are refused.

var elementOps = map[string]opFunc{
	"GatherElements": opGatherElements, "ScatterElements": opScatterElements, "Scatter": opScatterElements,
	"Compress": opCompress, "GatherND": opGatherND, "MaxUnpool": opMaxUnpool, "ReverseSequence": opReverseSequence, "RoiAlign": opRoiAlign, "OneHot": opOneHot,
	"Det": func(b *builder, n *Node, in []value) ([]value, error) {
		x, err := b.float(n, in, 0)
		if err != nil {
			return nil, err
		}
		return one(graph.Det(x))
	},
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
	return one(scatterLinear(x, u, ds, writes, reduction == "add", n.OpType))
}

// scatterLinear is data with updates written at writes[o] (the update
// offsets landing on output o): replaced (the last write wins), or added.
// out = keep ⊙ data + Σ updates, each a linear map, so both inputs keep
// their gradients.
func scatterLinear(x, u *graph.Node, ds []int, writes [][]int, add bool, name string) (*graph.Node, error) {
	total := graph.Numel(ds)
	taps := 1
	for _, w := range writes {
		taps = max(taps, len(w))
	}
	keepIdx, keepW := make([]int32, total), make([]float32, total)
	upIdx, upW := make([]int32, total*taps), make([]float32, total*taps)
	for o := range total {
		keepIdx[o] = int32(o)
		if add || len(writes[o]) == 0 {
			keepW[o] = 1
		}
		for t, p := range writes[o] {
			upIdx[o*taps+t], upW[o*taps+t] = int32(p), 1
		}
	}
	kept, err := graph.LinearMap(x, name+"(data)", ds, 1, keepIdx, keepW)
	if err != nil {
		return nil, err
	}
	placed, err := graph.LinearMap(u, name+"(updates)", ds, taps, upIdx, upW)
	if err != nil {
		return nil, err
	}
	return graph.Add(kept, placed)
}

// ndTuples reads GatherND's and ScatterND's indices (integer constants,
// the last axis a tuple of k indices into data shaped ds): each tuple's
// flat offset in units of the inner block it names, and that block's size.
func ndTuples(idx *Tensor, ds []int) (offs []int, inner int, err error) {
	if !idx.IsInt || len(idx.Dims) == 0 {
		return nil, 0, errors.New("indices must be an integer tensor of rank ≥ 1")
	}
	k := int(idx.Dims[len(idx.Dims)-1])
	if k > len(ds) {
		return nil, 0, fmt.Errorf("index tuples of %d for data of rank %d", k, len(ds))
	}
	inner = graph.Numel(ds[k:])
	tuples := graph.Numel(intShape(idx)[:len(idx.Dims)-1])
	for t := 0; t < tuples; t++ {
		off := 0
		for j := 0; j < k; j++ {
			v := idx.Int[t*k+j]
			if v < 0 {
				v += int64(ds[j])
			}
			if v < 0 || v >= int64(ds[j]) {
				return nil, 0, fmt.Errorf("index %d out of range for axis %d of %v", idx.Int[t*k+j], j, ds)
			}
			off = off*ds[j] + int(v)
		}
		offs = append(offs, off)
	}
	return offs, inner, nil
}

// opGatherND gathers the blocks data[tuple] (batch_dims 0).
func opGatherND(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	if bd, err := attrInt(n, "batch_dims", 0); err != nil || bd != 0 {
		return nil, errors.New("batch_dims ≠ 0 is not supported")
	}
	idx, ok := host(in[1])
	if !present(in, 1) || !ok {
		return nil, errors.New("input 1 (the indices) must be integer constants")
	}
	ds := x.Shape()
	offs, inner, err := ndTuples(idx, ds)
	if err != nil {
		return nil, err
	}
	is := intShape(idx)
	out := append(append([]int(nil), is[:len(is)-1]...), ds[is[len(is)-1]:]...)
	flat := make([]int32, 0, len(offs)*inner)
	for _, off := range offs {
		for r := 0; r < inner; r++ {
			flat = append(flat, int32(off*inner+r))
		}
	}
	return one(graph.Gather(x, "GatherND", out, flat))
}

// scatterNDLive is ScatterND when data or updates depend on the input
// (reduction none or add; the constant case folds every reduction).
func scatterNDLive(b *builder, n *Node, in []value, reduction string) ([]value, error) {
	if reduction == "mul" {
		return scatterNDMul(b, n, in)
	}
	if reduction != "none" && reduction != "add" {
		return nil, fmt.Errorf("reduction %q on values that depend on the input is not supported (none, add, and mul by constant updates are)", reduction)
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	u, err := b.float(n, in, 2)
	if err != nil {
		return nil, err
	}
	idx, ok := host(in[1])
	if !present(in, 1) || !ok {
		return nil, errors.New("input 1 (the indices) must be integer constants")
	}
	ds := x.Shape()
	offs, inner, err := ndTuples(idx, ds)
	if err != nil {
		return nil, err
	}
	if graph.Numel(u.Shape()) != len(offs)*inner {
		return nil, fmt.Errorf("updates %v do not fill %d blocks of %d", u.Shape(), len(offs), inner)
	}
	writes := make([][]int, graph.Numel(ds))
	for t, off := range offs {
		for r := 0; r < inner; r++ {
			o := off*inner + r
			if reduction == "none" {
				writes[o] = []int{t*inner + r}
			} else {
				writes[o] = append(writes[o], t*inner+r)
			}
		}
	}
	return one(scatterLinear(x, u, ds, writes, reduction == "add", "ScatterND"))
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

// opMaxUnpool places each value of X at the flat offset I gives it in an
// output of zeros (MaxPool's indices undone); the output shape is
// output_shape's, or (in − 1)·stride + kernel − pads.
func opMaxUnpool(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	idx, ok := host(in[1])
	if !present(in, 1) || !ok || !idx.IsInt {
		return nil, errors.New("input 1 (the indices) must be integer constants")
	}
	xs := x.Shape()
	if len(xs) != 4 || int(idx.Numel()) != graph.Numel(xs) {
		return nil, fmt.Errorf("want X [N,C,H,W] and indices of its shape, got %v and %v", xs, idx.Dims)
	}
	// The indices are offsets in the shape the pooling had (from kernel,
	// strides and pads); output_shape may be larger, the values then
	// keeping their rows and columns.
	k, err := spatial(n, "kernel_shape", 0)
	if err != nil {
		return nil, err
	}
	s, err := spatial(n, "strides", 1)
	if err != nil {
		return nil, err
	}
	p, err := pads4(n)
	if err != nil {
		return nil, err
	}
	pooled := []int{xs[0], xs[1], 0, 0}
	for d := range 2 {
		pooled[2+d] = (xs[2+d]-1)*s[d] + k[d] - p[d] - p[d+2]
	}
	out := pooled
	if present(in, 2) {
		sh, err := constInts(in, 2)
		if err != nil || len(sh) != 4 {
			return nil, fmt.Errorf("output_shape must be 4 constant integers (%v)", err)
		}
		out = []int{int(sh[0]), int(sh[1]), int(sh[2]), int(sh[3])}
	}
	if out[0] != xs[0] || out[1] != xs[1] || pooled[2] <= 0 || pooled[3] <= 0 || out[2] < pooled[2] || out[3] < pooled[3] {
		return nil, fmt.Errorf("output shape %v for input %v (pooled from %v)", out, xs, pooled)
	}
	total, plane := graph.Numel(out), pooled[2]*pooled[3]
	flat, w := make([]int32, total), make([]float32, total)
	for j, v := range idx.Int {
		if v < 0 || v >= int64(graph.Numel(pooled)) {
			return nil, fmt.Errorf("index %d out of range for the pooled shape %v", v, pooled)
		}
		nc, r := int(v)/plane, int(v)%plane
		o := (nc*out[2]+r/pooled[3])*out[3] + r%pooled[3]
		flat[o], w[o] = int32(j), 1
	}
	return one(graph.LinearMap(x, "MaxUnpool", out, 1, flat, w))
}

// opReverseSequence reverses, for each batch entry, the first
// sequence_lens of its values along the time axis.
func opReverseSequence(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	lens, err := constInts(in, 1)
	if err != nil {
		return nil, fmt.Errorf("sequence_lens: %w", err)
	}
	a := attrs{n: n}
	ta, ba := int(a.int("time_axis", 0)), int(a.int("batch_axis", 1))
	if a.err != nil {
		return nil, a.err
	}
	s := x.Shape()
	if len(s) < 2 || ta < 0 || ba < 0 || ta >= len(s) || ba >= len(s) || ta == ba || len(lens) != s[ba] {
		return nil, fmt.Errorf("time_axis %d, batch_axis %d, %d lengths for %v", ta, ba, len(lens), s)
	}
	st := make([]int, len(s))
	acc := 1
	for d := len(s) - 1; d >= 0; d-- {
		st[d], acc = acc, acc*s[d]
	}
	flat := make([]int32, acc)
	for o := range flat {
		rem, t, bi := o, 0, 0
		for d := range s {
			c := rem / st[d]
			rem %= st[d]
			if d == ta {
				t = c
			}
			if d == ba {
				bi = c
			}
		}
		src := o
		if l := int(lens[bi]); t < l {
			src += (l - 1 - 2*t) * st[ta]
		}
		flat[o] = int32(src)
	}
	return one(graph.Gather(x, "ReverseSequence", s, flat))
}

// opRoiAlign pools each region of interest (rois and batch_indices
// constants, as a detector's proposals are not: a model whose rois are
// computed is refused) to output_height × output_width bins, averaging
// bilinear samples (mode avg): a linear map of X, so X keeps its gradient.
func opRoiAlign(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	rois, ok1 := host(in[1])
	bidx, ok2 := host(in[2])
	if !present(in, 1) || !present(in, 2) || !ok1 || !ok2 {
		return nil, errors.New("rois and batch_indices must be constants (regions computed from the image, as a detector's proposals, have no gradient here)")
	}
	a := attrs{n: n}
	mode := a.string("mode", "avg")
	oh, ow := int(a.int("output_height", 1)), int(a.int("output_width", 1))
	ratio := int(a.int("sampling_ratio", 0))
	scale := float64(a.float("spatial_scale", 1))
	coord := "output_half_pixel" // opset 10's only behaviour
	if b.m.Opset >= 16 {
		coord = a.string("coordinate_transformation_mode", "half_pixel")
	}
	if a.err != nil {
		return nil, a.err
	}
	if mode != "avg" {
		return nil, fmt.Errorf("mode %q is not supported (avg is)", mode)
	}
	xs := x.Shape()
	if len(xs) != 4 || oh <= 0 || ow <= 0 || ratio < 0 {
		return nil, fmt.Errorf("input %v, output %d×%d, sampling_ratio %d", xs, ow, oh, ratio)
	}
	R := int(bidx.Numel())
	if int(rois.Numel()) != 4*R {
		return nil, fmt.Errorf("%d rois and %d batch indices", rois.Numel()/4, R)
	}
	C, H, W := xs[1], xs[2], xs[3]
	type tap struct {
		off int
		w   float64
	}
	per := make([][]tap, R*oh*ow) // the taps of each (roi, bin), over all channels alike
	taps := 1
	off := 0.0
	if coord == "half_pixel" {
		off = 0.5
	}
	for r := 0; r < R; r++ {
		bi := int(bidx.at(r))
		if bi < 0 || bi >= xs[0] {
			return nil, fmt.Errorf("batch index %d out of range for %v", bi, xs)
		}
		x1, y1 := rois.at(4*r)*scale-off, rois.at(4*r+1)*scale-off
		x2, y2 := rois.at(4*r+2)*scale-off, rois.at(4*r+3)*scale-off
		rw, rh := x2-x1, y2-y1
		if coord != "half_pixel" {
			rw, rh = math.Max(rw, 1), math.Max(rh, 1)
		}
		bh, bw := rh/float64(oh), rw/float64(ow)
		gh, gw := ratio, ratio
		if ratio == 0 {
			gh, gw = int(math.Ceil(rh/float64(oh))), int(math.Ceil(rw/float64(ow)))
		}
		gh, gw = max(gh, 1), max(gw, 1)
		count := float64(gh * gw)
		for py := 0; py < oh; py++ {
			for px := 0; px < ow; px++ {
				var ts []tap
				for iy := 0; iy < gh; iy++ {
					y := y1 + float64(py)*bh + (float64(iy)+0.5)*bh/float64(gh)
					for ix := 0; ix < gw; ix++ {
						xx := x1 + float64(px)*bw + (float64(ix)+0.5)*bw/float64(gw)
						if y < -1 || y > float64(H) || xx < -1 || xx > float64(W) {
							continue
						}
						yy, xc := math.Max(y, 0), math.Max(xx, 0)
						yl, xl := int(yy), int(xc)
						yhi, xhi := yl+1, xl+1
						if yl >= H-1 {
							yl, yhi, yy = H-1, H-1, float64(H-1)
						}
						if xl >= W-1 {
							xl, xhi, xc = W-1, W-1, float64(W-1)
						}
						ly, lx := yy-float64(yl), xc-float64(xl)
						hy, hx := 1-ly, 1-lx
						base := bi * C * H * W
						ts = append(ts, tap{base + yl*W + xl, hy * hx / count}, tap{base + yl*W + xhi, hy * lx / count},
							tap{base + yhi*W + xl, ly * hx / count}, tap{base + yhi*W + xhi, ly * lx / count})
					}
				}
				per[(r*oh+py)*ow+px] = ts
				taps = max(taps, len(ts))
			}
		}
	}
	out := []int{R, C, oh, ow}
	flat, w := make([]int32, graph.Numel(out)*taps), make([]float32, graph.Numel(out)*taps)
	for r := 0; r < R; r++ {
		for c := 0; c < C; c++ {
			for bin := 0; bin < oh*ow; bin++ {
				o := (r*C+c)*oh*ow + bin
				for t, tp := range per[r*oh*ow+bin] {
					flat[o*taps+t], w[o*taps+t] = int32(tp.off+c*H*W), float32(tp.w)
				}
			}
		}
	}
	return one(graph.LinearMap(x, "RoiAlign", out, taps, flat, w))
}

// opOneHot is OneHot with depth and values constants; indices that depend
// on the input give no gradient (graph.OneHot).
func opOneHot(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	depth, ok1 := host(in[1])
	vals, ok2 := host(in[2])
	if !present(in, 1) || !present(in, 2) || !ok1 || !ok2 || depth.Numel() != 1 || vals.Numel() != 2 {
		return nil, errors.New("depth (one value) and values (off, on) must be constants")
	}
	axis64, err := attrInt(n, "axis", -1)
	if err != nil {
		return nil, err
	}
	r := int64(len(x.Shape()) + 1)
	if axis64 < 0 {
		axis64 += r
	}
	if axis64 < 0 || axis64 >= r {
		return nil, fmt.Errorf("axis %d out of range for rank %d", axis64, r)
	}
	d := depth.at(0)
	if d < 1 || d > maxConstElems {
		return nil, fmt.Errorf("depth %g", d)
	}
	if err := b.reserve(append(append([]int(nil), x.Shape()...), int(d)), "OneHot"); err != nil {
		return nil, err
	}
	return one(graph.OneHot(x, int(axis64), int(d), float32(vals.at(0)), float32(vals.at(1))))
}

// scatterNDMul is ScatterND with reduction mul where the updates are
// constants: data times a constant tensor holding the product of the
// updates landing on each position (1 elsewhere), so data keeps its
// gradient.
func scatterNDMul(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	upd, ok1 := host(in[2])
	idx, ok2 := host(in[1])
	if !present(in, 2) || !present(in, 1) || !ok1 || !ok2 {
		return nil, errors.New("reduction mul on values that depend on the input needs constant indices and updates")
	}
	ds := x.Shape()
	offs, inner, err := ndTuples(idx, ds)
	if err != nil {
		return nil, err
	}
	if int(upd.Numel()) != len(offs)*inner {
		return nil, fmt.Errorf("updates hold %d values, %d blocks of %d need %d", upd.Numel(), len(offs), inner, len(offs)*inner)
	}
	m := &graph.Tensor{Shape: ds, Data: make([]float32, graph.Numel(ds))}
	for i := range m.Data {
		m.Data[i] = 1
	}
	for t, off := range offs {
		for r := 0; r < inner; r++ {
			m.Data[off*inner+r] *= float32(upd.at(t*inner + r))
		}
	}
	return one(graph.Mul(x, b.g.Const(m)))
}
