package graph

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

// standardize normalises runs of n consecutive values to zero mean and
// unit variance, then scales and shifts them: LayerNormalization (one run
// per position over the trailing axes), GroupNormalization and
// InstanceNormalization (one run per image and group, over its channels'
// planes). Runs are contiguous in NCHW and in token layouts alike.
//
// The per-element scale and shift index is (run mod groups)·(n/plane) +
// r/plane for element r of a run: plane is 1 for LayerNorm (a weight per
// position), the spatial size for the channel norms (a weight per channel).
type standardize struct {
	name   string
	n      int     // run length
	groups int     // runs that cycle through the channels (1 for LayerNorm)
	plane  int     // values sharing one weight
	eps    float64 // added to the variance
}

func (k standardize) String() string { return fmt.Sprintf("%s(n=%d,eps=%g)", k.name, k.n, k.eps) }

// Diffable: only the data; scales and shifts are weights.
func (k standardize) Diffable(i int) bool { return i == 0 }

// Overwrites implements Overwriter.
func (k standardize) Overwrites(bool, int) bool { return true }

// weights is how many scale or shift values the kernel expects.
func (k standardize) weights() int { return k.groups * k.n / k.plane }

func (k standardize) OutShape(in [][]int) ([]int, error) {
	if len(in) < 1 || len(in) > 3 {
		return nil, fmt.Errorf("want 1 to 3 inputs, got %d", len(in))
	}
	if Numel(in[0])%k.n != 0 || (Numel(in[0])/k.n)%k.groups != 0 {
		return nil, fmt.Errorf("input %v does not split into runs of %d in %d groups", in[0], k.n, k.groups)
	}
	for _, s := range in[1:] {
		if Numel(s) != k.weights() {
			return nil, fmt.Errorf("scale or shift %v: want %d values", s, k.weights())
		}
	}
	return append([]int(nil), in[0]...), nil
}

// stats returns a run's mean and 1/√(var+ε), accumulated in float64.
func (k standardize) stats(x []float32) (mean, inv float64) {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	mean = s / float64(len(x))
	q := 0.0
	for _, v := range x {
		d := float64(v) - mean
		q += d * d
	}
	return mean, 1 / math.Sqrt(q/float64(len(x))+k.eps)
}

// runs calls f for each run, in parallel.
func (k standardize) runs(total int, f func(run, lo int)) {
	n := total / k.n
	per := max(1, 16384/k.n)
	parallel.For((n+per-1)/per, func(c int) {
		for r := c * per; r < min(n, (c+1)*per); r++ {
			f(r, r*k.n)
		}
	})
}

// vector reports whether the float32 vector path serves: a weight per
// element (LayerNorm) with scale and shift, and runs short enough that
// float32 sums keep their precision.
func (k standardize) vector(in []*Tensor) bool {
	return k.plane == 1 && len(in) == 3 && k.n <= 1<<16
}

// vstats returns a run's mean and 1/√(var+ε) from float32 sums shifted by
// the run's first value.
func (k standardize) vstats(x []float32) (mean, inv float32) {
	c := x[0]
	s, q := vec.SumSq(x, c)
	n := float64(k.n)
	m := float64(s) / n
	v := max(float64(q)/n-m*m, 0)
	return c + float32(m), float32(1 / math.Sqrt(v+k.eps))
}

func (k standardize) Forward(in []*Tensor, out *Tensor) {
	x, y := in[0].Data, out.Data
	if k.vector(in) {
		k.runs(len(x), func(run, lo int) {
			w0 := (run % k.groups) * k.n
			mean, inv := k.vstats(x[lo : lo+k.n])
			vec.NormAffine(y[lo:lo+k.n], x[lo:lo+k.n], in[1].Data[w0:w0+k.n], in[2].Data[w0:w0+k.n], mean, inv)
		})
		return
	}
	var scale, shift []float32
	if len(in) > 1 {
		scale = in[1].Data
	}
	if len(in) > 2 {
		shift = in[2].Data
	}
	k.runs(len(x), func(run, lo int) {
		xs, ys := x[lo:lo+k.n], y[lo:lo+k.n]
		mean, inv := k.stats(xs)
		w0 := (run % k.groups) * (k.n / k.plane)
		for r, v := range xs {
			h := (float64(v) - mean) * inv
			if scale != nil {
				h *= float64(scale[w0+r/k.plane])
			}
			if shift != nil {
				h += float64(shift[w0+r/k.plane])
			}
			ys[r] = float32(h)
		}
	})
}

// Backward: with x̂ the standardised values and u = γ·g,
// dx = inv · (u − mean(u) − x̂ · mean(u·x̂)).
func (k standardize) Backward(_ int, in []*Tensor, _, gout, gin *Tensor) {
	x, g, d := in[0].Data, gout.Data, gin.Data
	if k.vector(in) {
		n := float32(k.n)
		k.runs(len(x), func(run, lo int) {
			xs, ds := x[lo:lo+k.n], d[lo:lo+k.n]
			w0 := (run % k.groups) * k.n
			mean, inv := k.vstats(xs)
			vec.Mul(ds, g[lo:lo+k.n], in[1].Data[w0:w0+k.n]) // u = γ·g
			su, _ := vec.SumSq(ds, 0)
			sux := inv * vec.DotShift(ds, xs, mean) // Σ u·x̂
			vec.NormGrad(ds, xs, su/n, inv*sux/n, mean, inv)
		})
		return
	}
	var scale []float32
	if len(in) > 1 {
		scale = in[1].Data
	}
	k.runs(len(x), func(run, lo int) {
		xs, gs, ds := x[lo:lo+k.n], g[lo:lo+k.n], d[lo:lo+k.n]
		mean, inv := k.stats(xs)
		w0 := (run % k.groups) * (k.n / k.plane)
		su, sux := 0.0, 0.0
		for r, v := range xs {
			u := float64(gs[r])
			if scale != nil {
				u *= float64(scale[w0+r/k.plane])
			}
			su += u
			sux += u * (float64(v) - mean) * inv
		}
		su /= float64(k.n)
		sux /= float64(k.n)
		for r, v := range xs {
			u := float64(gs[r])
			if scale != nil {
				u *= float64(scale[w0+r/k.plane])
			}
			ds[r] = float32(inv * (u - su - (float64(v)-mean)*inv*sux))
		}
	})
}

func applyStandardize(k standardize, x, scale, shift *Node) (*Node, error) {
	switch {
	case scale == nil && shift == nil:
		return Apply(k, x)
	case shift == nil:
		return Apply(k, x, scale)
	case scale == nil: // a shift alone: a scale of ones before it
		ones := NewTensor(k.weights())
		for i := range ones.Data {
			ones.Data[i] = 1
		}
		scale = x.graph.Const(ones)
	}
	return Apply(k, x, scale, shift)
}

// LayerNorm standardises x over its axes from axis on (negative counts from
// the end), then applies scale and shift (each nil or holding one value per
// element of those axes), as ONNX LayerNormalization.
func LayerNorm(x *Node, axis int, scale, shift *Node, eps float64) (*Node, error) {
	if axis < 0 {
		axis += len(x.shape)
	}
	if axis < 0 || axis >= len(x.shape) {
		return nil, fmt.Errorf("LayerNorm: axis out of range for %v", x.shape)
	}
	n := Numel(x.shape[axis:])
	return applyStandardize(standardize{name: "LayerNorm", n: n, groups: 1, plane: 1, eps: eps}, x, scale, shift)
}

// GroupNorm standardises each image's channels of x [N, C, ...] in groups
// groups, then applies a per-channel scale and shift (nil or C values).
// InstanceNormalization is groups = C.
func GroupNorm(x *Node, groups int, scale, shift *Node, eps float64) (*Node, error) {
	if len(x.shape) < 2 || groups <= 0 || x.shape[1]%groups != 0 {
		return nil, fmt.Errorf("GroupNorm: %d groups do not divide the channels of %v", groups, x.shape)
	}
	plane := Numel(x.shape[2:])
	return applyStandardize(standardize{name: "GroupNorm", n: x.shape[1] / groups * plane, groups: groups, plane: plane, eps: eps}, x, scale, shift)
}
