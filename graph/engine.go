package graph

import (
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/invrep/invrep/graph/vec"
)

// addEngine is gorgonia's standard engine with a vector Add for float32
// tensors of one shape. Gorgonia adds up the gradients reaching a value
// read by several ops (the image read by the representation and each
// prior, a squeeze layer read by two expand layers) with Add on the
// program's values, which the tape machine gives this engine; its own loop
// was a tenth of a HOG inversion.
type addEngine struct{ gorgonia.StandardEngine }

// Add implements tensor.Adder: a + b, into a (unsafe), into reuse, or
// added to incr, as tensor.StdEng does.
func (e addEngine) Add(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	if r, ok := fastAdd(a, b, opts); ok {
		return r, nil
	}
	return e.StandardEngine.Add(a, b, opts...)
}

// fastAdd does Add for plain float32 dense tensors of equal shape, and
// reports false for anything else.
func fastAdd(a, b tensor.Tensor, opts []tensor.FuncOpt) (tensor.Tensor, bool) {
	ad, ok1 := a.(*tensor.Dense)
	bd, ok2 := b.(*tensor.Dense)
	if !ok1 || !ok2 || ad.IsView() || bd.IsView() || !ad.Shape().Eq(bd.Shape()) {
		return nil, false
	}
	x, ok1 := ad.Data().([]float32)
	y, ok2 := bd.Data().([]float32)
	if !ok1 || !ok2 || len(x) != len(y) {
		return nil, false
	}
	fo := tensor.ParseFuncOpts(opts...)
	reuse, incr := fo.IncrReuse()
	safe := fo.Safe()
	var dst *tensor.Dense
	switch {
	case reuse != nil:
		rd, ok := reuse.(*tensor.Dense)
		if !ok || rd.IsView() {
			return nil, false
		}
		z, ok := rd.Data().([]float32)
		if !ok || len(z) != len(x) {
			return nil, false
		}
		axpy := func(d, v []float32) { chunked(len(d), func(lo, hi int) { vec.Axpy(d[lo:hi], v[lo:hi], 1) }) }
		switch {
		case incr: // z += x, then + y below
			axpy(z, x)
		case &z[0] == &y[0]: // reuse is b
			axpy(z, x)
			return rd, true
		case &z[0] != &x[0]:
			// The sum straight into reuse, one pass (x·1 and y·1 are
			// exact); Blend may not write over its inputs.
			chunked(len(z), func(lo, hi int) { vec.Blend(z[lo:hi], x[lo:hi], y[lo:hi], 1, 1) })
			return rd, true
		}
		dst, x = rd, z
	case !safe:
		dst = ad
	default:
		dst = ad.Clone().(*tensor.Dense)
		x = dst.Data().([]float32)
	}
	chunked(len(x), func(lo, hi int) { vec.Axpy(x[lo:hi], y[lo:hi], 1) })
	return dst, true
}
