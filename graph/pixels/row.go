package pixels

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// gap is the white space between tiles; labelBar the height of the strip
// above them that holds their labels.
const (
	gap      = 4
	labelBar = 18
)

// Row places images left to right on white with a 4-pixel gap. With
// labels (one per tile), each tile gets its label above it, cut with "…"
// to the tile's width.
func Row(tiles []image.Image, labels []string) image.Image {
	top := 0
	if labels != nil {
		top = labelBar
	}
	w, h := 0, 0
	for i, t := range tiles {
		if i > 0 {
			w += gap
		}
		w += t.Bounds().Dx()
		h = max(h, t.Bounds().Dy())
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, top+h))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	x := 0
	for i, t := range tiles {
		draw.Draw(out, image.Rect(x, top, x+t.Bounds().Dx(), top+t.Bounds().Dy()), t, t.Bounds().Min, draw.Src)
		if labels != nil {
			label := []rune(labels[i])
			if fit := t.Bounds().Dx() / 7; len(label) > fit && fit > 1 {
				label = append(label[:fit-1], '…')
			}
			d := font.Drawer{Dst: out, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13, Dot: fixed.P(x+2, 13)}
			d.DrawString(string(label))
		}
		x += t.Bounds().Dx() + gap
	}
	return out
}

// Grid places images in rows of cols (each row a Row, with its labels),
// the rows gap pixels apart: the IJCV paper's 5×5 mosaics of channels.
func Grid(tiles []image.Image, labels []string, cols int) image.Image {
	cols = max(cols, 1)
	var rows []image.Image
	w, h := 0, 0
	for i := 0; i < len(tiles); i += cols {
		j := min(i+cols, len(tiles))
		var l []string
		if labels != nil {
			l = labels[i:j]
		}
		r := Row(tiles[i:j], l)
		rows = append(rows, r)
		w = max(w, r.Bounds().Dx())
		if h > 0 {
			h += gap
		}
		h += r.Bounds().Dy()
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	y := 0
	for _, r := range rows {
		draw.Draw(out, image.Rect(0, y, r.Bounds().Dx(), y+r.Bounds().Dy()), r, image.Point{}, draw.Src)
		y += r.Bounds().Dy() + gap
	}
	return out
}
