package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestStaleTemporaries: a temporary a killed process left behind is
// removed by the next write to the same file; one still being written (or
// of another file) is left alone.
func TestStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out[1].npy")
	stale := filepath.Join(dir, tempPrefix("out[1].npy")+"123")
	fresh := filepath.Join(dir, tempPrefix("out[1].npy")+"456")
	other := filepath.Join(dir, tempPrefix("other.npy")+"789")
	for _, p := range []string{stale, fresh, other} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	os.Chtimes(other, old, old)
	if err := Write(path, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary is still there: %v", err)
	}
	for _, p := range []string{fresh, other, path} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
