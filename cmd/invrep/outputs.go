package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// distinctOutputs refuses, as a usage error, an output that is one of the
// inputs (the same file by os.SameFile, so links count too) or another
// output: `--image in.png --out in.png` would replace the user's photo.
// Arguments alternate flag name and path; outputs first, then "--" and the
// inputs. Empty paths are skipped.
func distinctOutputs(outputs, inputs [][2]string) error {
	same := func(a, b string) bool {
		if filepath.Clean(a) == filepath.Clean(b) {
			return true
		}
		sa, errA := os.Stat(a)
		sb, errB := os.Stat(b)
		return errA == nil && errB == nil && os.SameFile(sa, sb)
	}
	for i, o := range outputs {
		if o[1] == "" {
			continue
		}
		if st, err := os.Stat(o[1]); err == nil && st.IsDir() {
			return usagef("--%s %s is a folder: want a file name", o[0], o[1])
		}
		for _, in := range inputs {
			if in[1] != "" && same(o[1], in[1]) {
				return usagef("--%s %s is the same file as --%s: it would be overwritten", o[0], o[1], in[0])
			}
		}
		for _, other := range outputs[i+1:] {
			if other[1] != "" && same(o[1], other[1]) {
				return usagef("--%s and --%s are the same file %s", o[0], other[0], o[1])
			}
		}
	}
	return nil
}

// writableDirs checks, before any work, that each output's folder takes a
// new file, making it (with its parents) where it is missing, as out/ in
// 'invrep invert … --out out/fire3.png': a missing or read-only folder
// found after an hour's inversion would lose the hour.
func writableDirs(outputs [][2]string) error {
	for _, o := range outputs {
		if o[1] == "" {
			continue
		}
		dir := filepath.Dir(o[1])
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("--%s %s: cannot make the folder %s: %w", o[0], o[1], dir, err)
		}
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return fmt.Errorf("--%s %s: %s is not a folder", o[0], o[1], dir)
		}
		probe, err := os.CreateTemp(dir, ".invrep-probe-*")
		if err != nil {
			return fmt.Errorf("--%s %s: the folder %s is not writable: %w", o[0], o[1], dir, err)
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	return nil
}
