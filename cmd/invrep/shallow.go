package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/zoo"
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

func writeShallowFeatures(out io.Writer, rep handcrafted.Rep, imagePath, outPath string) error {
	im, name, err := loadPhoto(imagePath)
	if err != nil {
		return err
	}
	x := im.GrayPaper()
	phi, err := invert.Features(rep, x)
	if err != nil {
		return err
	}
	t := rep.VLFeatLayout(phi)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if strings.HasSuffix(strings.ToLower(outPath), ".png") {
		if rep.Kind == handcrafted.KindDSIFT {
			return usagef("--out %s: PNG drawings are available for HOG and HOGb; write DSIFT to a .npy", outPath)
		}
		if err := pixels.SavePNG(outPath, handcrafted.Glyphs(phi, rep.HOG.Channels()/3)); err != nil {
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
	sched, err := invert.ShallowSchedule.Scaled(f.iters)
	if err != nil {
		return usagef("--iters %d: %v", f.iters, err)
	}
	settings := map[string]any{"rep": string(rep.Kind), "image": name, "size": []int{im.W, im.H}, "cell": rep.HOG.Cell + rep.DSIFT.Bin}
	j := zoo.Job{Rep: rep, Photo: im, Input: zoo.Input{Gray: true}, Options: invert.Options{Schedule: sched, TV: tv}}
	return f.run(out, j, settings)
}
