// Command invrep-prep writes a photo as invrep's CNN commands see it:
// resized with plain bilinear interpolation (half-pixel centres, no
// antialiasing) and rounded to 8 bits. Feeding the result to another tool
// (the PyTorch peer, which resizes with bicubic interpolation) gives both
// the same target image.
//
//	invrep-prep --image IMG --size 224 [--height H] --out OUT.png
package main

import (
	"fmt"
	"os"

	"github.com/invrep/invrep/graph/pixels"
	"github.com/spf13/pflag"
)

func main() {
	fs := pflag.NewFlagSet("invrep-prep", pflag.ContinueOnError)
	in := fs.String("image", "", "PNG or JPEG photo")
	size := fs.Int("size", 224, "output width (and height, without --height)")
	height := fs.Int("height", 0, "output height, where it differs from the width")
	out := fs.String("out", "", "output PNG")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == pflag.ErrHelp {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "invrep-prep:", err)
		os.Exit(2)
	}
	if *in == "" || *out == "" || *size <= 0 || *height < 0 {
		fmt.Fprintln(os.Stderr, "invrep-prep: --image, --out and a positive --size are required (and --height, if given, positive)")
		os.Exit(2)
	}
	im, err := pixels.Load(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "invrep-prep:", err)
		os.Exit(1)
	}
	w, h := *size, *size
	if *height > 0 {
		h = *height
	}
	if err := pixels.SavePNG(*out, im.Resized(w, h)); err != nil {
		fmt.Fprintln(os.Stderr, "invrep-prep:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %s resized to %d×%d\n", *out, *in, w, h)
}
