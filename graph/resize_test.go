package graph

import (
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
