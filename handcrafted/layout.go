package handcrafted

import (
	"image"
	"image/color"
	"math"

	"github.com/invrep/invrep/graph"
)

// VLFeatLayout rearranges the graph's [1,C,H,W] features into the layout
// users know from VLFeat: HOG as (H, W, C) cells, DSIFT as (H·W, C)
// descriptors.
func (r Rep) VLFeatLayout(phi *graph.Tensor) *graph.Tensor {
	c, h, w := phi.Shape[1], phi.Shape[2], phi.Shape[3]
	out := graph.NewTensor(h, w, c)
	for ch := 0; ch < c; ch++ {
		for i := 0; i < h*w; i++ {
			out.Data[i*c+ch] = phi.Data[ch*h*w+i]
		}
	}
	if r.Kind == KindDSIFT {
		out.Shape = []int{h * w, c}
	}
	return out
}

// MatlabOrder flattens [1,C,H,W] features as MATLAB's y(:) of the H×W×C
// array the authors' code holds: row index fastest, then column, then
// channel. Codes of different sizes are compared in this order.
func MatlabOrder(t *graph.Tensor) []float64 {
	c, h, w := t.Shape[1], t.Shape[2], t.Shape[3]
	out := make([]float64, 0, len(t.Data))
	for ch := 0; ch < c; ch++ {
		for x := 0; x < w; x++ {
			for y := 0; y < h; y++ {
				out = append(out, float64(t.Data[(ch*h+y)*w+x]))
			}
		}
	}
	return out
}

// Glyphs draws each cell's 9 contrast-insensitive bins as lines
// perpendicular to their gradient orientation (the edges they respond to),
// with brightness (v/max)² so that each cell's dominant edges stand out.
func Glyphs(phi *graph.Tensor, no int) image.Image {
	c, h, w := phi.Shape[1], phi.Shape[2], phi.Shape[3]
	const s = 20 // pixels per cell in the drawing
	img := image.NewGray(image.Rect(0, 0, w*s, h*s))
	peak := float32(1e-9)
	for ch := 2 * no; ch < c; ch++ {
		for _, v := range phi.Data[ch*h*w : (ch+1)*h*w] {
			peak = max(peak, v)
		}
	}
	for cy := 0; cy < h; cy++ {
		for cx := 0; cx < w; cx++ {
			for o := 0; o < no; o++ {
				v := phi.Data[((2*no+o)*h+cy)*w+cx] / peak
				if v <= 0 {
					continue
				}
				// Gradient at angle o·π/no (y down); its edge is perpendicular.
				t := float64(o)*math.Pi/float64(no) + math.Pi/2
				dx, dy := math.Cos(t), math.Sin(t)
				for r := -float64(s) / 2; r <= float64(s)/2; r += 0.5 {
					x := cx*s + s/2 + int(math.Round(r*dx))
					y := cy*s + s/2 + int(math.Round(r*dy))
					if x >= 0 && y >= 0 && x < w*s && y < h*s {
						old := img.GrayAt(x, y).Y
						img.SetGray(x, y, color.Gray{Y: max(old, uint8(255*min(v*v, 1)))})
					}
				}
			}
		}
	}
	return img
}
