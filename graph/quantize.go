package graph

import (
	"fmt"
	"math"
)

// quantize is ONNX's QuantizeLinear computed on float32 values that hold
// integers: q = clamp(round(x / scale) + zero, lo, hi), the division in
// float32 and the rounding half to even, as onnxruntime's kernels do. The
// scale and zero point are one for the whole tensor or one per index of
// an axis. Its gradient is the straight-through estimator: 1/scale where
// round(x/scale) + zero lies inside [lo, hi], 0 where it was clipped; the
// scale and zero point, which dynamic quantisation computes from the
// input, get none (they are treated as constants).
type quantize struct {
	axis   int // the axis scales run along; −1 for one scale
	lo, hi float32
	// unrounded is the quantiser taken out: x/scale + zero, neither
	// rounded nor clipped, so that a quantised model computes its float
	// twin (the dequantised weights, float activations).
	unrounded bool
	// times multiplies by the scale instead of dividing: requantisation of
	// an integer accumulator by the multiplier xs·ws/ys, as onnxruntime's
	// QLinear kernels compute it.
	times bool
	// zeroFirst adds the zero point before rounding, as onnxruntime's
	// quantised pooling does (nearbyint(y/scale + zero)): with an odd zero
	// point a tie rounds the other way.
	zeroFirst bool
}

func (q quantize) String() string {
	if q.unrounded {
		return fmt.Sprintf("QuantizeLinear(axis %d, unrounded)", q.axis)
	}
	return fmt.Sprintf("QuantizeLinear(axis %d, %g..%g)", q.axis, q.lo, q.hi)
}

func (q quantize) OutShape(in [][]int) ([]int, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("want x, scale and zero point, got %d inputs", len(in))
	}
	n := 1
	if q.axis >= 0 {
		if q.axis >= len(in[0]) {
			return nil, fmt.Errorf("axis %d of a rank-%d input", q.axis, len(in[0]))
		}
		n = in[0][q.axis]
	}
	for k, what := range []string{"scale", "zero point"} {
		if m := Numel(in[k+1]); m != n && m != 1 {
			return nil, fmt.Errorf("%s has %d values, want 1 or %d", what, m, n)
		}
	}
	return append([]int(nil), in[0]...), nil
}

// Diffable: the scale and zero point take no gradient (see above), but
// may depend on the input (DynamicQuantizeLinear).
func (quantize) Diffable(int) bool { return true }

// Overwrites implements Overwriter.
func (quantize) Overwrites(grad bool, i int) bool { return !grad || i == 0 }

// channelOf maps element i to its index along the axis, for per-axis
// parameters; inner is the product of the dimensions after the axis.
func (q quantize) layout(shape []int, params int) (inner, count int) {
	if q.axis < 0 || params == 1 {
		return 1, 1
	}
	inner = 1
	for _, d := range shape[q.axis+1:] {
		inner *= d
	}
	return inner, shape[q.axis]
}

// unclipped is round(x/scale) + zero before the clamp; a scale of 0 (a
// dynamic quantiser's for data of zeros) maps everything to the zero point.
func (q quantize) unclipped(x, scale, zero float32) float32 {
	v := x * scale
	switch {
	case scale == 0:
		return zero
	case !q.times:
		v = x / scale
	}
	if q.unrounded {
		return v + zero
	}
	if q.zeroFirst {
		return float32(math.RoundToEven(float64(v + zero)))
	}
	return float32(math.RoundToEven(float64(v))) + zero
}

// slope is the derivative of the unclipped value: 1/scale, or the
// multiplier itself.
func (q quantize) slope(scale float32) float32 {
	if q.times {
		return scale
	}
	return 1 / scale
}

func (q quantize) Forward(in []*Tensor, out *Tensor) {
	x, s, z := in[0], in[1].Data, in[2].Data
	inner, count := q.layout(x.Shape, len(s))
	chunked(len(x.Data), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c := 0
			if count > 1 {
				c = (i / inner) % count
			}
			zc := z[min(c, len(z)-1)]
			v := q.unclipped(x.Data[i], s[min(c, len(s)-1)], zc)
			if !q.unrounded {
				v = min(max(v, q.lo), q.hi)
			}
			out.Data[i] = v
		}
	})
}

func (q quantize) Backward(i int, in []*Tensor, out, gout, gin *Tensor) {
	if i != 0 {
		return // the scale and zero point are constants to the gradient
	}
	x, s, z := in[0], in[1].Data, in[2].Data
	inner, count := q.layout(x.Shape, len(s))
	chunked(len(x.Data), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			c := 0
			if count > 1 {
				c = (k / inner) % count
			}
			sc := s[min(c, len(s)-1)]
			v := q.unclipped(x.Data[k], sc, z[min(c, len(z)-1)])
			if (q.unrounded || v >= q.lo && v <= q.hi) && sc != 0 {
				gin.Data[k] = gout.Data[k] * q.slope(sc)
			} else {
				gin.Data[k] = 0
			}
		}
	})
}

// Quantize is QuantizeLinear: x quantised to the integers lo..hi (the
// range of the target type) with scale and zero point, each one value or
// one per index of axis (axis −1: one). See quantize for the gradient.
func Quantize(x, scale, zero *Node, axis int, lo, hi float32) (*Node, error) {
	return Apply(quantize{axis: axis, lo: lo, hi: hi}, x, scale, zero)
}

// dynamicQuant computes DynamicQuantizeLinear's scale (zeroPoint false) or
// zero point (true) from the data: the range [min(0, min x), max(0, max
// x)] mapped onto 0..255, as the ONNX operator and onnxruntime define it.
// It has no gradient: the quantiser treats both as constants.
type dynamicQuant struct{ zeroPoint bool }

func (d dynamicQuant) String() string {
	if d.zeroPoint {
		return "DynamicQuantizeLinear.zero_point"
	}
	return "DynamicQuantizeLinear.scale"
}

func (dynamicQuant) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("want 1 input, got %d", len(in))
	}
	return []int{}, nil
}

func (dynamicQuant) Diffable(int) bool { return true }

// Overwrites implements Overwriter.
func (dynamicQuant) Overwrites(grad bool, _ int) bool { return !grad }

func (d dynamicQuant) Forward(in []*Tensor, out *Tensor) {
	scale, zero := DynamicQuantParams(in[0].Data)
	if d.zeroPoint {
		out.Data[0] = zero
	} else {
		out.Data[0] = scale
	}
}

func (dynamicQuant) Backward(int, []*Tensor, *Tensor, *Tensor, *Tensor) {}

// Requantize is Quantize by a multiplier: clamp(round(acc·m) + zero, lo,
// hi), onnxruntime's requantisation of an integer accumulator (QLinearConv,
// QLinearMatMul). unrounded leaves out the rounding and clipping, as
// Unquantize does.
func Requantize(acc, multiplier, zero *Node, axis int, lo, hi float32, unrounded bool) (*Node, error) {
	return Apply(quantize{axis: axis, lo: lo, hi: hi, times: true, unrounded: unrounded}, acc, multiplier, zero)
}

// QuantizeZeroFirst is Quantize with the zero point added before rounding:
// clamp(round(x/scale + zero), lo, hi), onnxruntime's quantised pooling.
func QuantizeZeroFirst(x, scale, zero *Node, lo, hi float32) (*Node, error) {
	return Apply(quantize{axis: -1, lo: lo, hi: hi, zeroFirst: true}, x, scale, zero)
}

// Unquantize is Quantize taken out: x/scale + zero, neither rounded nor
// clipped (a quantised model's float twin, Model.Dequantized).
func Unquantize(x, scale, zero *Node, axis int) (*Node, error) {
	return Apply(quantize{axis: axis, unrounded: true}, x, scale, zero)
}

// DynamicQuantParams are DynamicQuantizeLinear's scale and zero point for
// data, in float32 arithmetic as onnxruntime computes them: scale =
// (max − min)/255 over the range widened to hold 0, zero point =
// round(clamp(−min/scale, 0, 255)) half to even. Data of zeros alone gets
// scale 0 and zero point 0, which quantise everything to 0.
func DynamicQuantParams(data []float32) (scale, zero float32) {
	lo, hi := float32(0), float32(0)
	for _, v := range data {
		lo, hi = min(lo, v), max(hi, v)
	}
	scale = (hi - lo) / 255
	if scale == 0 {
		return 0, 0
	}
	z := min(max(0-lo/scale, 0), 255)
	return scale, float32(math.RoundToEven(float64(z)))
}

// DynamicQuantScale and DynamicQuantZero are DynamicQuantizeLinear's
// scale and zero point of x, as scalars.
func DynamicQuantScale(x *Node) (*Node, error) { return Apply(dynamicQuant{}, x) }

// DynamicQuantZero: see DynamicQuantScale.
func DynamicQuantZero(x *Node) (*Node, error) { return Apply(dynamicQuant{zeroPoint: true}, x) }
