package graph

import (
	"fmt"
	"math"
)

// ResizeParams describe an ONNX Resize: per-axis scales (output size over
// input size, used by the coordinate transform), the interpolation and
// how output coordinates map back to the input.
type ResizeParams struct {
	Out    []int     // output shape
	Scales []float64 // per axis; 0 means Out/in
	// Mode is "nearest" or "linear" (bilinear, trilinear, … on the axes
	// that change).
	Mode string
	// Coord is the coordinate_transformation_mode: half_pixel,
	// half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric,
	// tf_half_pixel_for_nn.
	Coord string
	// Nearest is the nearest_mode: round_prefer_floor, round_prefer_ceil,
	// floor, ceil.
	Nearest string
	// CubicA is cubic_coeff_a (−0.75 where zero), and ExcludeOutside
	// exclude_outside: mode "cubic" (bicubic on two axes) weights four
	// input pixels per axis by Keys' kernel with that coefficient; taps
	// outside the input repeat its edge, or with ExcludeOutside weigh 0,
	// the others renormalised.
	CubicA         float64
	ExcludeOutside bool
	// ROI (start then end per axis, in 0..1 of the input) and
	// Extrapolation serve Coord tf_crop_and_resize: the output samples
	// the ROI, and a sample outside the input is Extrapolation.
	ROI           []float64
	Extrapolation float64
}

// cubicWeights are Keys' cubic-convolution weights of the four taps at
// ⌊x⌋−1 … ⌊x⌋+2 for the fraction t of x, coefficient a.
func cubicWeights(t, a float64) [4]float64 {
	near := func(d float64) float64 { return ((a+2)*d-(a+3))*d*d + 1 }  // |d| ≤ 1
	far := func(d float64) float64 { return ((a*d-5*a)*d+8*a)*d - 4*a } // 1 < |d| < 2
	return [4]float64{far(t + 1), near(t), near(1 - t), far(2 - t)}
}

// source maps output index o of an axis (in → out, scale) to an input
// coordinate.
func (p ResizeParams) source(o, in, out int, scale float64) (float64, error) {
	x := float64(o)
	switch p.Coord {
	case "half_pixel", "":
		return (x+0.5)/scale - 0.5, nil
	case "pytorch_half_pixel":
		if out > 1 {
			return (x+0.5)/scale - 0.5, nil
		}
		return 0, nil
	case "align_corners":
		// The spec's resized length is in·scale, unrounded: downsampling
		// 4 by 0.6 maps output 1 to 3/1.4 of the input, not to 3 (the
		// suite's resize_downsample_scales_linear_align_corners). With
		// sizes given, scale is out/in and this is out − 1.
		if resized := float64(in) * scale; out > 1 && resized > 1 {
			return x * float64(in-1) / (resized - 1), nil
		}
		return 0, nil
	case "asymmetric":
		return x / scale, nil
	case "tf_half_pixel_for_nn":
		return (x + 0.5) / scale, nil
	case "tf_crop_and_resize":
		return 0, fmt.Errorf("tf_crop_and_resize needs the axis") // read by cropSource
	case "half_pixel_symmetric": // opset 19: centred when the output size was rounded
		adjust := float64(out) / (scale * float64(in))
		center := float64(in) / 2
		return center*(1-adjust) + (x+0.5)/scale - 0.5, nil
	}
	return 0, fmt.Errorf("coordinate_transformation_mode %q is not supported", p.Coord)
}

func (p ResizeParams) round(x float64) (int, error) {
	switch p.Nearest {
	case "round_prefer_floor", "":
		if x-math.Floor(x) == 0.5 {
			return int(math.Floor(x)), nil
		}
		return int(math.Round(x)), nil
	case "round_prefer_ceil":
		return int(math.Floor(x + 0.5)), nil
	case "floor":
		return int(math.Floor(x)), nil
	case "ceil":
		return int(math.Ceil(x)), nil
	}
	return 0, fmt.Errorf("nearest_mode %q is not supported", p.Nearest)
}

// cropSource is tf_crop_and_resize's input coordinate of output o along
// axis d: the ROI [start, end] of the input spread over the output.
func (p ResizeParams) cropSource(d, o, in, out int) (float64, error) {
	r := len(p.ROI) / 2
	if len(p.ROI) == 0 || len(p.ROI)%2 != 0 || d >= r {
		return 0, fmt.Errorf("tf_crop_and_resize needs an roi of start and end per axis (got %v)", p.ROI)
	}
	start, end := p.ROI[d], p.ROI[r+d]
	if out > 1 {
		return start*float64(in-1) + float64(o)*(end-start)*float64(in-1)/float64(out-1), nil
	}
	return 0.5 * (start + end) * float64(in-1), nil
}

// axisTapsAt returns, for each output index of axis d, its input indices
// and weights (taps per output: 1 for nearest or an unchanged axis, 2 for
// linear, 4 for cubic). With tf_crop_and_resize, an output whose
// coordinate falls outside the input weighs its taps 0 and is marked in
// outside.
func (p ResizeParams) axisTapsAt(d, in, out int, scale float64, outside []bool) (taps int, idx []int, w []float64, err error) {
	if scale <= 0 {
		scale = float64(out) / float64(in)
	}
	if in == out && scale == 1 && p.Coord != "tf_crop_and_resize" {
		for o := 0; o < out; o++ {
			idx, w = append(idx, o), append(w, 1)
		}
		return 1, idx, w, nil
	}
	for o := 0; o < out; o++ {
		var x float64
		if p.Coord == "tf_crop_and_resize" {
			x, err = p.cropSource(d, o, in, out)
		} else {
			x, err = p.source(o, in, out, scale)
		}
		if err != nil {
			return 0, nil, nil, err
		}
		if p.Coord == "tf_crop_and_resize" && (x < 0 || x > float64(in-1)) {
			outside[o] = true
			x = 0 // any tap: its weight is set to 0 below
		}
		switch p.Mode {
		case "nearest":
			i, err := p.round(x)
			if err != nil {
				return 0, nil, nil, err
			}
			idx, w = append(idx, max(0, min(i, in-1))), append(w, 1)
			taps = 1
		case "linear", "bilinear", "trilinear":
			x = max(0, min(x, float64(in-1)))
			i0 := int(math.Floor(x))
			i1 := min(i0+1, in-1)
			f := x - float64(i0)
			idx, w = append(idx, i0, i1), append(w, 1-f, f)
			taps = 2
		case "cubic", "bicubic":
			a := p.CubicA
			if a == 0 {
				a = -0.75
			}
			i0 := int(math.Floor(x))
			cw := cubicWeights(x-float64(i0), a)
			sum := 0.0
			for k := 0; k < 4; k++ {
				i := i0 - 1 + k
				if p.ExcludeOutside && (i < 0 || i >= in) {
					cw[k] = 0
				}
				sum += cw[k]
			}
			for k := 0; k < 4; k++ {
				if p.ExcludeOutside && sum != 0 {
					cw[k] /= sum
				}
				idx, w = append(idx, max(0, min(i0-1+k, in-1))), append(w, cw[k])
			}
			taps = 4
		default:
			return 0, nil, nil, fmt.Errorf("mode %q is not supported (nearest, linear and cubic are)", p.Mode)
		}
	}
	for o, out := range outside {
		if out {
			for t := 0; t < taps; t++ {
				w[o*taps+t] = 0
			}
		}
	}
	return taps, idx, w, nil
}

// Resize interpolates x to p.Out, separably per axis. Where only the last
// two axes change (the images of a batch, every channel alike), it holds
// a tap table per axis (resizePlanes); otherwise a table per output
// element (LinearMap).
func Resize(x *Node, p ResizeParams) (*Node, error) {
	if y, ok, err := resizePlanesOf(x, p); ok || err != nil {
		return y, err
	}
	return resizeByTable(x, p)
}

// resizeByTable is Resize as one LinearMap: an index and a weight per
// output element and tap.
func resizeByTable(x *Node, p ResizeParams) (*Node, error) {
	r := len(x.shape)
	if len(p.Out) != r || (p.Scales != nil && len(p.Scales) != r) {
		return nil, fmt.Errorf("Resize: output %v and scales %v do not fit input %v", p.Out, p.Scales, x.shape)
	}
	taps := make([]int, r)
	idx := make([][]int, r)
	wts := make([][]float64, r)
	outside := make([][]bool, r)
	total := 1
	for d := 0; d < r; d++ {
		if p.Out[d] <= 0 {
			return nil, fmt.Errorf("Resize: output shape %v", p.Out)
		}
		scale := 0.0
		if p.Scales != nil {
			scale = p.Scales[d]
		}
		var err error
		outside[d] = make([]bool, p.Out[d])
		if taps[d], idx[d], wts[d], err = p.axisTapsAt(d, x.shape[d], p.Out[d], scale, outside[d]); err != nil {
			return nil, fmt.Errorf("Resize: %w", err)
		}
		total *= taps[d]
	}
	st := strides(x.shape)
	n := Numel(p.Out)
	flat := make([]int32, 0, n*total)
	var w []float32
	if total > 1 {
		w = make([]float32, 0, n*total)
	}
	tap := make([]int, r)
	eachIndex(p.Out, func(_ int, at []int) {
		for t := 0; t < total; t++ {
			rem, off, wt := t, 0, 1.0
			for d := r - 1; d >= 0; d-- {
				tap[d] = rem % taps[d]
				rem /= taps[d]
				k := at[d]*taps[d] + tap[d]
				off += idx[d][k] * st[d]
				wt *= wts[d][k]
			}
			flat = append(flat, int32(off))
			if w != nil {
				w = append(w, float32(wt))
			}
		}
	})
	y, err := LinearMap(x, fmt.Sprintf("Resize(%s,%s,%v)", p.Mode, p.Coord, p.Out), p.Out, total, flat, w)
	if err != nil || p.Coord != "tf_crop_and_resize" || p.Extrapolation == 0 {
		return y, err
	}
	// The samples outside the input are the extrapolation value: added as
	// a constant where any axis fell outside (their taps weigh 0).
	ext := NewTensor(p.Out...)
	any := false
	eachIndex(p.Out, func(o int, at []int) {
		for d := range at {
			if outside[d][at[d]] {
				ext.Data[o], any = float32(p.Extrapolation), true
				return
			}
		}
	})
	if !any {
		return y, nil
	}
	return Add(y, x.graph.Const(ext))
}
