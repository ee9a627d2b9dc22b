package main

import (
	"bytes"
	_ "embed"

	"github.com/invrep/invrep/graph/pixels"
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
