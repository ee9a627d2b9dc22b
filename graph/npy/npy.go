// Package npy reads and writes NumPy .npy arrays as float32 graph tensors:
// the format of targets, masks and features that invrep shares with
// Python tools.
package npy

import (
	"bytes"
	le "encoding/binary"
	"errors"
	"fmt"
	"github.com/invrep/invrep/graph/regfile"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/atomicfile"
)

// maxNpyElems bounds what ReadNpy will allocate (1<<30 float32 = 4 GiB).
const maxNpyElems = 1 << 30

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// Read decodes a NumPy .npy array of float32 or float64 (little-endian,
// C order) into a float32 tensor.
func Read(r io.Reader) (*graph.Tensor, error) {
	var magic [8]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, errors.New("not a .npy file: too short")
	}
	if string(magic[:6]) != "\x93NUMPY" {
		return nil, errors.New("not a .npy file: bad magic")
	}
	var hlen int
	switch magic[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New("truncated .npy header")
		}
		hlen = int(le.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New("truncated .npy header")
		}
		hlen = int(le.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf(".npy version %d is not supported", magic[6])
	}
	if hlen > 1<<20 {
		return nil, errors.New(".npy header is too long")
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, errors.New("truncated .npy header")
	}
	h := string(hdr)
	d := npyDescr.FindStringSubmatch(h)
	f := npyFortran.FindStringSubmatch(h)
	s := npyShape.FindStringSubmatch(h)
	if d == nil || f == nil || s == nil {
		return nil, errors.New("malformed .npy header")
	}
	if f[1] == "True" {
		return nil, errors.New(".npy in Fortran order is not supported")
	}
	var shape []int
	n := 1
	for _, p := range strings.Split(s[1], ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("bad .npy shape (%s)", s[1])
		}
		shape = append(shape, v)
		if v > 0 && n > maxNpyElems/v {
			return nil, fmt.Errorf(".npy shape (%s) is too large", s[1])
		}
		n *= v
	}
	var size int
	switch d[1] {
	case "<f4", "|f4":
		size = 4
	case "<f8":
		size = 8
	default:
		return nil, fmt.Errorf(".npy dtype %s is not supported (want float32 or float64, little-endian)", d[1])
	}
	// Read what is there before trusting the header's size: a short file
	// that declares a huge shape must not make us allocate it.
	raw, err := io.ReadAll(io.LimitReader(r, int64(n*size)))
	if err != nil {
		return nil, err
	}
	if len(raw) != n*size {
		return nil, fmt.Errorf("truncated .npy data: %d bytes, want %d for shape %v", len(raw), n*size, shape)
	}
	t := &graph.Tensor{Shape: shape, Data: make([]float32, n)}
	for i := range t.Data {
		if size == 4 {
			t.Data[i] = math.Float32frombits(le.LittleEndian.Uint32(raw[4*i:]))
		} else {
			t.Data[i] = float32(math.Float64frombits(le.LittleEndian.Uint64(raw[8*i:])))
		}
	}
	return t, nil
}

// Load reads a .npy file.
func Load(path string) (*graph.Tensor, error) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Write encodes t as a float32 .npy (version 1.0).
func Write(w io.Writer, t *graph.Tensor) error {
	shape := ""
	for _, d := range t.Shape {
		shape += strconv.Itoa(d) + ", "
	}
	if len(t.Shape) > 1 {
		shape = strings.TrimSuffix(shape, " ")
		shape = strings.TrimSuffix(shape, ",")
	}
	h := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", strings.TrimSuffix(shape, " "))
	pad := 64 - (10+len(h)+1)%64
	h += strings.Repeat(" ", pad%64) + "\n"
	var buf bytes.Buffer
	buf.WriteString("\x93NUMPY\x01\x00")
	le.Write(&buf, le.LittleEndian, uint16(len(h)))
	buf.WriteString(h)
	raw := make([]byte, 4*len(t.Data))
	for i, v := range t.Data {
		le.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	buf.Write(raw)
	_, err := w.Write(buf.Bytes())
	return err
}

// Save writes t to path atomically.
func Save(path string, t *graph.Tensor) error {
	return atomicfile.Write(path, func(w io.Writer) error { return Write(w, t) })
}
