// Package regfile opens the files invrep reads (models, their external
// data, photos, .npy tensors) only when they are regular files: opening a
// FIFO for reading blocks until a writer comes, past any signal, and a
// device or a folder is never what the user meant.
package regfile

import (
	"fmt"
	"os"
)

// Open opens path for reading, refusing anything but a regular file (a
// symlink counts as what it leads to). The check is made on the path
// before opening, so a FIFO is never opened, and again on the open file,
// in case the path changed in between.
func Open(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, kind(st.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	if st, err = f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	return f, nil
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
