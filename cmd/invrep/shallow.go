package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strings"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
)

// sampleImage is the built-in sample photo: "chelsea" the cat, CC0, from
// scikit-image's data set (../shared/images/chelsea.png).
//
//go:embed sample/chelsea.png
var sampleImage []byte

// loadPhoto reads path, or the built-in sample when path is empty.
func loadPhoto(path string) (*pixels.RGB, string, error) {
	if path == "" {
		im, err := pixels.Decode(bytes.NewReader(sampleImage))
		return im, "built-in sample (chelsea.png, CC0)", err
	}
	im, err := pixels.Load(path)
	return im, path, err
}

// shallowFeatures computes HOG (Hc, Wc, 27) or DSIFT (N, 128) in the
// layout users know from VLFeat.
func shallowFeatures(rep handcrafted.Rep, x *graph.Tensor) (*graph.Tensor, *graph.Tensor, error) {
	phi, err := invert.Features(rep, x)
	if err != nil {
		return nil, nil, err
	}
	c, h, w := phi.Shape[1], phi.Shape[2], phi.Shape[3]
	out := graph.NewTensor(h, w, c)
	for ch := 0; ch < c; ch++ {
		for i := 0; i < h*w; i++ {
			out.Data[i*c+ch] = phi.Data[ch*h*w+i]
		}
	}
	if rep.Kind == handcrafted.KindDSIFT {
		out.Shape = []int{h * w, c}
	}
	return phi, out, nil
}

// hogGlyphs draws each cell's 9 contrast-insensitive bins as lines
// perpendicular to their gradient orientation (the edges they respond to),
// with brightness (v/max)² so that each cell's dominant edges stand out.
func hogGlyphs(phi *graph.Tensor, no int) image.Image {
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

func writeShallowFeatures(out io.Writer, rep handcrafted.Rep, imagePath, outPath string) error {
	im, name, err := loadPhoto(imagePath)
	if err != nil {
		return err
	}
	x := im.GrayPaper()
	phi, t, err := shallowFeatures(rep, x)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if strings.HasSuffix(strings.ToLower(outPath), ".png") {
		if rep.Kind == handcrafted.KindDSIFT {
			return usagef("--out %s: PNG drawings are available for HOG and HOGb; write DSIFT to a .npy", outPath)
		}
		if err := pixels.SavePNG(outPath, hogGlyphs(phi, rep.HOG.Channels()/3)); err != nil {
			return fmt.Errorf("writing %s: %w", outPath, err)
		}
	} else if err := npy.Save(outPath, t); err != nil {
		return fmt.Errorf("writing %s: %w", outPath, err)
	}
	fmt.Fprintf(out, "%s of %s: %s -> %s\n", rep.Kind, name, graph.ShapeString(t.Shape), outPath)
	return nil
}

// invertShallow runs the paper's shallow pipeline (SPEC §3.4): grey input
// 255·gray − 128 at full resolution, 800 iterations of 200 at 0.004, 0.0004,
// 0.00004 and 0.000004.
func (f *invertFlags) invertShallow(out io.Writer, rep handcrafted.Rep, imagePath string, tv float64) error {
	im, name, err := loadPhoto(imagePath)
	if err != nil {
		return err
	}
	x0 := im.GrayPaper()
	target, err := invert.Features(rep, x0)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	sched, err := invert.ShallowSchedule.Scaled(f.iters)
	if err != nil {
		return usagef("--iters %d: %v", f.iters, err)
	}
	settings := map[string]any{"rep": string(rep.Kind), "image": name, "size": []int{im.W, im.H}, "cell": rep.HOG.Cell + rep.DSIFT.Bin}
	return f.run(out, rep, target, nil, x0.Shape[1:], sched, tv, x0, pixels.GrayMean, settings)
}
