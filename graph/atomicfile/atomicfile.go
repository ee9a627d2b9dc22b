// Package atomicfile writes files so that a reader, or a crash, never
// sees half of one.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Write writes via a temporary file in the same directory and a
// rename, so a reader never sees a half-written file, and syncs the file
// before the rename and the folder after it, so that a crash right after
// leaves either the old file or the whole new one. Temporaries of earlier
// writes to the same path that a killed process left behind (untouched
// for staleAfter) are removed first.
func Write(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	removeStale(dir, base)
	tmp, err := os.CreateTemp(dir, tempPrefix(base)+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file private; results are ordinary files.
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: not every file system syncs folders
		d.Close()
	}
	return nil
}

// tempPrefix is the name of WriteFileAtomic's temporaries for base, less
// CreateTemp's random suffix: hidden, and marked as invrep's own.
func tempPrefix(base string) string { return "." + base + ".invrep-tmp-" }

// staleAfter is how long a temporary must sit untouched before it counts
// as left behind by a killed process (a live write touches it constantly).
const staleAfter = 10 * time.Minute

func removeStale(dir, base string) {
	matches, _ := filepath.Glob(filepath.Join(dir, globEscape(tempPrefix(base))+"*"))
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() && time.Since(st.ModTime()) > staleAfter {
			os.Remove(m)
		}
	}
}

// globEscape quotes filepath.Match's metacharacters in a literal name.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
