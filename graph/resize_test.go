package graph

import (
	"fmt"
	"math"
	"testing"
)

func TestResizeKnown(t *testing.T) {
	x := &Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}}
	for _, c := range []struct {
		p    ResizeParams
		want []float32
	}{
		{ResizeParams{Mode: "linear", Coord: "half_pixel"}, []float32{1, 1.25, 1.75, 2}},
		{ResizeParams{Mode: "linear", Coord: "align_corners"}, []float32{1, 4.0 / 3, 5.0 / 3, 2}},
		{ResizeParams{Mode: "linear", Coord: "asymmetric"}, []float32{1, 1.5, 2, 2}},
		{ResizeParams{Mode: "nearest", Coord: "asymmetric", Nearest: "floor"}, []float32{1, 1, 2, 2}},
		{ResizeParams{Mode: "nearest", Coord: "half_pixel", Nearest: "round_prefer_ceil"}, []float32{1, 1, 2, 2}},
		{ResizeParams{Mode: "linear", Coord: "half_pixel_symmetric"}, []float32{1, 1.25, 1.75, 2}}, // an exact scale: as half_pixel
	} {
		c.p.Out = []int{1, 4}
		g := New()
		y, err := Resize(g.Const(x), c.p)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := y.Constant()
		for i, v := range c.want {
			if math.Abs(float64(got.Data[i]-v)) > 1e-6 {
				t.Errorf("%s/%s: %v, want %v", c.p.Mode, c.p.Coord, got.Data, c.want)
				break
			}
		}
	}
}

// TestResizeGrad: bilinear 2-D upsampling and a downsampling, forward
// against a separable float64 reference and the gradient against finite
// differences.
func TestResizeGrad(t *testing.T) {
	lerp := func(in, out int) [][2]float64 { // per output: source coordinate, clamped
		var r [][2]float64
		for o := 0; o < out; o++ {
			s := (float64(o)+0.5)*float64(in)/float64(out) - 0.5
			s = math.Max(0, math.Min(s, float64(in-1)))
			r = append(r, [2]float64{s, 0})
		}
		return r
	}
	for _, size := range [][2]int{{7, 5}, {2, 3}} {
		h, w := size[0], size[1]
		ry, rx := lerp(3, h), lerp(4, w)
		ref := func(x []float64) []float64 {
			at := func(c, i, j int) float64 { return x[(c*3+i)*4+j] }
			var y []float64
			for c := 0; c < 2; c++ {
				for _, sy := range ry {
					for _, sx := range rx {
						i0, j0 := int(sy[0]), int(sx[0])
						i1, j1 := min(i0+1, 2), min(j0+1, 3)
						fy, fx := sy[0]-float64(i0), sx[0]-float64(j0)
						y = append(y, (1-fy)*((1-fx)*at(c, i0, j0)+fx*at(c, i0, j1))+fy*((1-fx)*at(c, i1, j0)+fx*at(c, i1, j1)))
					}
				}
			}
			return y
		}
		runOpCase(t, opCase{name: "Resize/linear", in: []int{1, 2, 3, 4}, ref: ref, build: func(x *Node) (*Node, error) {
			return Resize(x, ResizeParams{Out: []int{1, 2, h, w}, Mode: "linear", Coord: "half_pixel"})
		}})
	}
}

// TestResizeCubic: bicubic resizing (Keys' kernel, a = −0.75, edges
// repeated) against a direct sum over the 4×4 neighbourhood, with its
// gradient checked by finite differences; its values against ONNX's
// reference are the conformance suite's resize_*_cubic tests.
func TestResizeCubic(t *testing.T) {
	for _, out := range [][2]int{{5, 7}, {2, 3}} {
		h, w := out[0], out[1]
		ref := func(in []float64) []float64 {
			at := func(c, i, j int) float64 { return in[c*12+max(0, min(i, 2))*4+max(0, min(j, 3))] }
			src := func(o, n, m int) float64 { return (float64(o)+0.5)*float64(n)/float64(m) - 0.5 }
			var y []float64
			for c := 0; c < 2; c++ {
				for oy := 0; oy < h; oy++ {
					for ox := 0; ox < w; ox++ {
						sy, sx := src(oy, 3, h), src(ox, 4, w)
						iy, ix := int(math.Floor(sy)), int(math.Floor(sx))
						wy, wx := cubicWeights(sy-float64(iy), -0.75), cubicWeights(sx-float64(ix), -0.75)
						v := 0.0
						for a := 0; a < 4; a++ {
							for b := 0; b < 4; b++ {
								v += wy[a] * wx[b] * at(c, iy-1+a, ix-1+b)
							}
						}
						y = append(y, v)
					}
				}
			}
			return y
		}
		runOpCase(t, opCase{name: fmt.Sprintf("Resize/cubic/%dx%d", w, h), in: []int{1, 2, 3, 4}, ref: ref, build: func(x *Node) (*Node, error) {
			return Resize(x, ResizeParams{Out: []int{1, 2, h, w}, Mode: "cubic", Coord: "half_pixel"})
		}})
	}
	// Keys' kernel at a = −0.75: at t = 0 it interpolates (0, 1, 0, 0) and
	// its weights always sum to 1.
	if c := cubicWeights(0, -0.75); c != [4]float64{0, 1, 0, 0} {
		t.Errorf("weights at 0: %v", c)
	}
	for _, f := range []float64{0.1, 0.5, 0.9} {
		c := cubicWeights(f, -0.75)
		if s := c[0] + c[1] + c[2] + c[3]; math.Abs(s-1) > 1e-12 {
			t.Errorf("weights at %g sum to %g", f, s)
		}
	}
}
