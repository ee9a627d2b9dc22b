package main

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/invrep/invrep/graph/atomicfile"
	"github.com/invrep/invrep/graph/pixels"
)

// samples are the built-in photos, both CC0 from scikit-image's data set
// (../shared/images): "chelsea" the cat, and "coffee" (a cup of coffee,
// resized to 300×200 with invrep-prep). chelsea.png is the default photo
// of the commands that take one.
//
//go:embed sample/chelsea.png sample/coffee.png
var samples embed.FS

// loadPhoto reads path, or the built-in sample when path is empty.
func loadPhoto(path string) (*pixels.RGB, string, error) {
	if path == "" {
		b, _ := samples.ReadFile("sample/chelsea.png")
		im, err := pixels.Decode(bytes.NewReader(b))
		return im, "built-in sample (chelsea.png, CC0)", err
	}
	im, err := pixels.Load(path)
	return im, path, err
}

func runSamples(args []string, out io.Writer) error {
	fs := newFlags("samples", "--out DIR", out)
	dir := fs.String("out", "", "folder to write the built-in photos into (made if missing)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "out"); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	entries, _ := samples.ReadDir("sample")
	for _, e := range entries {
		b, _ := samples.ReadFile("sample/" + e.Name())
		p := filepath.Join(*dir, e.Name())
		if err := atomicfile.Write(p, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s\n", p)
	}
	fmt.Fprintln(out, "both CC0, from scikit-image's data set: chelsea (a cat) and coffee (a cup)")
	return nil
}
