package pixels_test

import (
	"image"
	"image/color"
	"testing"

	"github.com/invrep/invrep/graph/pixels"
)

func solid(w, h int, c uint8) *pixels.RGB {
	im := &pixels.RGB{W: w, H: h, Pix: make([]uint8, 3*w*h)}
	for i := range im.Pix {
		im.Pix[i] = c
	}
	return im
}

// TestRow: tiles land where they should, gaps are white, labels get a bar
// above the tiles and are drawn in it.
func TestRow(t *testing.T) {
	a, b := solid(3, 2, 10), solid(2, 4, 20)
	out := pixels.Row([]image.Image{a, b}, nil)
	if got := out.Bounds(); got != image.Rect(0, 0, 3+4+2, 4) {
		t.Fatalf("bounds %v", got)
	}
	want := map[image.Point]uint8{{0, 0}: 10, {2, 1}: 10, {3, 0}: 255, {6, 0}: 255, {7, 0}: 20, {8, 3}: 20, {0, 3}: 255}
	for p, v := range want {
		if c := color.NRGBAModel.Convert(out.At(p.X, p.Y)).(color.NRGBA); c.R != v {
			t.Errorf("pixel %v = %d, want %d", p, c.R, v)
		}
	}
	wide := solid(40, 5, 200)
	lab := pixels.Row([]image.Image{wide}, []string{"a label far longer than the tile"})
	if got := lab.Bounds(); got != image.Rect(0, 0, 40, 18+5) {
		t.Fatalf("labelled bounds %v", got)
	}
	dark := 0
	for y := 0; y < 18; y++ {
		for x := 0; x < 40; x++ {
			if c := color.NRGBAModel.Convert(lab.At(x, y)).(color.NRGBA); c.R < 128 {
				dark++
			}
		}
	}
	if dark == 0 {
		t.Error("no label drawn in the bar")
	}
	if c := color.NRGBAModel.Convert(lab.At(5, 20)).(color.NRGBA); c.R != 200 {
		t.Errorf("tile below the bar: %v", c)
	}
}

// TestGrid: five tiles in rows of two make three rows, 4 pixels apart, the
// last one short; tiles keep their places.
func TestGrid(t *testing.T) {
	var tiles []image.Image
	for i := 0; i < 5; i++ {
		tiles = append(tiles, solid(3, 2, uint8(10*(i+1))))
	}
	out := pixels.Grid(tiles, nil, 2)
	if got := out.Bounds(); got != image.Rect(0, 0, 3+4+3, 3*2+2*4) {
		t.Fatalf("bounds %v", got)
	}
	want := map[image.Point]uint8{{0, 0}: 10, {7, 1}: 20, {0, 6}: 30, {9, 7}: 40, {2, 12}: 50, {7, 12}: 255, {0, 3}: 255}
	for p, v := range want {
		if c := color.NRGBAModel.Convert(out.At(p.X, p.Y)).(color.NRGBA); c.R != v {
			t.Errorf("pixel %v = %d, want %d", p, c.R, v)
		}
	}
}
