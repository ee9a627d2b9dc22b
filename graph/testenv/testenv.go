// Package testenv is for the project's tests only: where the read-only
// ../shared folder (models, photos, reference outputs) is, and the
// finite-difference gradient check every package's op tests use.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// Shared returns ../shared beside the module's root ($INVREP_SHARED when
// set). Tests that need it skip where it is absent, except under CI=true,
// where its absence fails them.
func Shared(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("INVREP_SHARED")
	if dir == "" {
		dir = filepath.Join(moduleRoot(), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "refs", "index.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("../shared is required in CI: %v", err)
		}
		t.Skipf("no ../shared: %v", err)
	}
	return dir
}

// moduleRoot is the nearest folder above the working directory (a test's
// package folder) that holds go.mod.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
