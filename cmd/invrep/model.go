package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/onnxload"
)

func loadModel(path string) (*onnxload.Model, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("model %s: no such file", path)
		}
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	return onnxload.Load(path)
}

// buildNet builds m for the given input shape (nil: declared) up to outputs
// (nil: the model's outputs).
func buildNet(m *onnxload.Model, shape []int, outputs []string, norm *graph.Normalization) (*onnxload.Net, error) {
	return m.Build(onnxload.Options{InputShape: shape, Outputs: outputs, Normalization: norm})
}

// parseShapeFlag reads N,C,H,W (any rank) from a flag value.
func parseShapeFlag(flag, v string) ([]int, error) {
	if v == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(v, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || d <= 0 {
			return nil, usagef("--%s %q: want positive integers separated by commas", flag, v)
		}
		out = append(out, d)
	}
	return out, nil
}

// parseFloats reads a comma-separated list of floats.
func parseFloats(flag, v string) ([]float64, error) {
	var out []float64
	for _, p := range strings.Split(v, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, usagef("--%s %q: want numbers separated by commas", flag, v)
		}
		out = append(out, f)
	}
	return out, nil
}

// parseSize reads --size as N (square) or WxH.
func parseSize(v string) (w, h int, err error) {
	parts := strings.Split(strings.ToLower(v), "x")
	if len(parts) > 2 {
		return 0, 0, usagef("--size %q: want N or WxH", v)
	}
	var d [2]int
	for i, p := range parts {
		if d[i], err = strconv.Atoi(strings.TrimSpace(p)); err != nil || d[i] <= 0 {
			return 0, 0, usagef("--size %q: want a positive N or WxH", v)
		}
	}
	if len(parts) == 1 {
		d[1] = d[0]
	}
	return d[0], d[1], nil
}
