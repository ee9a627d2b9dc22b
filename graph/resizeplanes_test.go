package graph

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestResizePlanes: the plane kernel gives LinearMap's bits, forward and
// backward, for every mode and coordinate transform, up and down, on odd
// sizes and several planes; and it keeps tables of H′+W′ entries.
func TestResizePlanes(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	run := func(build func(*Node) (*Node, error), x, r *Tensor) (*Tensor, *Tensor) {
		g := New()
		in, err := g.Input("x", x.Shape...)
		if err != nil {
			t.Fatal(err)
		}
		y, err := build(in)
		if err != nil {
			t.Fatal(err)
		}
		loss, err := Dot(y, r)
		if err != nil {
			t.Fatal(err)
		}
		p, err := g.Compile(loss, y)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(x); err != nil {
			t.Fatal(err)
		}
		out, _ := p.Output(0)
		grad, err := p.InputGrad()
		if err != nil {
			t.Fatal(err)
		}
		return out.Clone(), grad.Clone()
	}
	same := func(a, b []float32) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return false
			}
		}
		return true
	}
	n := 0
	for _, in := range [][]int{{1, 3, 7, 5}, {2, 2, 4, 4}, {3, 9, 6}} {
		for _, out := range [][2]int{{15, 11}, {3, 2}, {8, 8}, {7, 5}} {
			for _, c := range []ResizeParams{
				{Mode: "linear", Coord: "half_pixel"},
				{Mode: "linear", Coord: "align_corners"},
				{Mode: "linear", Coord: "pytorch_half_pixel"},
				{Mode: "linear", Coord: "asymmetric"},
				{Mode: "nearest", Coord: "asymmetric", Nearest: "floor"},
				{Mode: "nearest", Coord: "half_pixel", Nearest: "round_prefer_ceil"},
				{Mode: "nearest", Coord: "tf_half_pixel_for_nn", Nearest: "round_prefer_floor"},
				{Mode: "cubic", Coord: "half_pixel", CubicA: -0.5},
				{Mode: "cubic", Coord: "align_corners", ExcludeOutside: true},
			} {
				c.Out = append(append([]int(nil), in[:len(in)-2]...), out[0], out[1])
				x := randTensor(rng, in...)
				r := randTensor(rng, c.Out...)
				name := fmt.Sprintf("%v→%v %s/%s", in, c.Out, c.Mode, c.Coord)
				y1, g1 := run(func(x *Node) (*Node, error) { return Resize(x, c) }, x, r)
				y2, g2 := run(func(x *Node) (*Node, error) { return resizeByTable(x, c) }, x, r)
				if !same(y1.Data, y2.Data) {
					t.Errorf("%s: forward differs from LinearMap's", name)
				}
				if !same(g1.Data, g2.Data) {
					t.Errorf("%s: gradient differs from LinearMap's", name)
				}
				n++
			}
		}
	}
	// The kernel is the plane one, and its tables are per axis.
	g := New()
	x, _ := g.Input("x", 1, 64, 512, 512)
	y, err := Resize(x, ResizeParams{Out: []int{1, 64, 1024, 1024}, Mode: "linear", Coord: "half_pixel"})
	if err != nil {
		t.Fatal(err)
	}
	k, ok := y.n.Op().(*gop).k.(*resizePlanes)
	if !ok {
		t.Fatalf("a 2-D upsampling is built as %T", y.n.Op().(*gop).k)
	}
	if len(k.iy)+len(k.ix) != 2*(1024+1024) {
		t.Errorf("tables of %d entries for a 1024² output, want 4096", len(k.iy)+len(k.ix))
	}
	t.Logf("%d cases equal to LinearMap's, bit for bit", n)
}
