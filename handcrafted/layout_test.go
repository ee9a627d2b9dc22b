package handcrafted

import (
	"image/color"
	"slices"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestLayouts: a [1,2,2,3] code, value 100·c + 10·y + x, in VLFeat's
// (H,W,C) and DSIFT's (H·W,C) layouts and in MATLAB's y(:) order.
func TestLayouts(t *testing.T) {
	phi := graph.NewTensor(1, 2, 2, 3)
	for c := 0; c < 2; c++ {
		for y := 0; y < 2; y++ {
			for x := 0; x < 3; x++ {
				phi.Data[(c*2+y)*3+x] = float32(100*c + 10*y + x)
			}
		}
	}
	hog := Rep{Kind: KindHOG}.VLFeatLayout(phi)
	if !slices.Equal(hog.Shape, []int{2, 3, 2}) || hog.Data[(1*3+2)*2+1] != 112 {
		t.Fatalf("HOG layout %v %v", hog.Shape, hog.Data)
	}
	if d := (Rep{Kind: KindDSIFT}).VLFeatLayout(phi); !slices.Equal(d.Shape, []int{6, 2}) || d.Data[5*2+1] != 112 {
		t.Fatalf("DSIFT layout %v %v", d.Shape, d.Data)
	}
	want := []float64{0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112}
	if got := MatlabOrder(phi); !slices.Equal(got, want) {
		t.Fatalf("MATLAB order %v, want %v", got, want)
	}
}

// TestGlyphs: one cell with one orientation bin lit draws a line through
// the cell's centre, perpendicular to the gradient: bin 0 (gradient along
// x) gives a vertical edge.
func TestGlyphs(t *testing.T) {
	const no = 9
	phi := graph.NewTensor(1, 4*no+4, 1, 1)
	phi.Data[2*no+0] = 1
	img := Glyphs(phi, no)
	if b := img.Bounds(); b.Dx() != 20 || b.Dy() != 20 {
		t.Fatalf("bounds %v", b)
	}
	at := func(x, y int) uint8 { return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y }
	if at(10, 2) != 255 || at(10, 18) != 255 || at(2, 10) != 0 {
		t.Fatalf("vertical line expected: (10,2)=%d (10,18)=%d (2,10)=%d", at(10, 2), at(10, 18), at(2, 10))
	}
}
