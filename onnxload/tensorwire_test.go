package onnxload

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// tensorProto writes a TensorProto by hand, in any element type and field
// (raw is raw_data; int32s goes to int32_data; ext to external_data).
type tensorProto struct {
	name   string
	dims   []int64
	dt     int64
	raw    []byte
	int32s []int64
	ext    map[string]string
}

func (p tensorProto) bytes() []byte {
	var b []byte
	for _, d := range p.dims {
		b = protowire.AppendTag(b, tensorDims, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, tensorDataType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(p.dt))
	b = protowire.AppendTag(b, tensorName, protowire.BytesType)
	b = protowire.AppendString(b, p.name)
	if p.raw != nil {
		b = protowire.AppendTag(b, tensorRaw, protowire.BytesType)
		b = protowire.AppendBytes(b, p.raw)
	}
	if p.int32s != nil {
		var packed []byte
		for _, v := range p.int32s {
			packed = protowire.AppendVarint(packed, uint64(v))
		}
		b = protowire.AppendTag(b, tensorInt32s, protowire.BytesType)
		b = protowire.AppendBytes(b, packed)
	}
	for _, k := range []string{"location", "offset", "length"} {
		v, ok := p.ext[k]
		if !ok {
			continue
		}
		var e []byte
		e = protowire.AppendTag(e, entryKey, protowire.BytesType)
		e = protowire.AppendString(e, k)
		e = protowire.AppendTag(e, entryVal, protowire.BytesType)
		e = protowire.AppendString(e, v)
		b = protowire.AppendTag(b, tensorExternal, protowire.BytesType)
		b = protowire.AppendBytes(b, e)
	}
	if p.ext != nil {
		b = protowire.AppendTag(b, tensorDataLocation, protowire.VarintType)
		b = protowire.AppendVarint(b, locationExternal)
	}
	return b
}

// withInitializers adds hand-written initializers to an encoded model.
func withInitializers(t *testing.T, model []byte, ts ...tensorProto) []byte {
	t.Helper()
	var out []byte
	err := fields(model, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		if num == modelGraph {
			g := append([]byte(nil), v...)
			for _, tp := range ts {
				g = protowire.AppendTag(g, graphInitializer, protowire.BytesType)
				g = protowire.AppendBytes(g, tp.bytes())
			}
			v = g
		}
		out = appendField(out, num, typ, v, x)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func le16(vs ...uint16) []byte {
	b := make([]byte, 2*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

// TestElementTypes reads weights stored in every element type exporters
// use (onnx-go v0.5.0 rejected bool data and knew no float16) and checks
// the values through a Mul by the input of ones.
func TestElementTypes(t *testing.T) {
	f64 := make([]byte, 16)
	binary.LittleEndian.PutUint64(f64, math.Float64bits(0.1))
	binary.LittleEndian.PutUint64(f64[8:], math.Float64bits(-3))
	cases := []struct {
		tp   tensorProto
		want []float32
	}{
		// 1.5, −2, the smallest normal half, the smallest subnormal, −0, 65504
		{tensorProto{dims: []int64{6}, dt: dtFloat16, raw: le16(0x3e00, 0xc000, 0x0400, 0x0001, 0x8000, 0x7bff)},
			[]float32{1.5, -2, 6.103515625e-05, 5.960464477539063e-08, 0, 65504}},
		{tensorProto{dims: []int64{2}, dt: dtFloat16, int32s: []int64{0x3e00, 0xc000}}, []float32{1.5, -2}},
		{tensorProto{dims: []int64{2}, dt: dtBfloat16, raw: le16(0x3fc0, 0xc000)}, []float32{1.5, -2}},
		{tensorProto{dims: []int64{2}, dt: dtDouble, raw: f64}, []float32{0.1, -3}},
		{tensorProto{dims: []int64{3}, dt: dtBool, raw: []byte{1, 0, 7}}, []float32{1, 0, 1}},
		{tensorProto{dims: []int64{3}, dt: dtBool, int32s: []int64{0, 1, 1}}, []float32{0, 1, 1}},
		{tensorProto{dims: []int64{3}, dt: dtInt8, raw: []byte{0xff, 5, 0x80}}, []float32{-1, 5, -128}},
		{tensorProto{dims: []int64{3}, dt: dtUint8, raw: []byte{0xff, 5, 0x80}}, []float32{255, 5, 128}},
		{tensorProto{dims: []int64{2}, dt: dtInt16, raw: le16(0xffff, 300)}, []float32{-1, 300}},
		{tensorProto{dims: []int64{2}, dt: dtInt32, int32s: []int64{-7, 9}}, []float32{-7, 9}},
	}
	for _, c := range cases {
		c.tp.name = "w"
		n := int(c.tp.dims[0])
		f := newFixture(13, n)
		out := f.node("Mul", []string{"x", f.node("Cast", []string{"w"}, map[string]any{"to": int64(dtFloat)})}, nil)
		f.m.Outputs = []string{out}
		b, err := f.m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		m, err := Decode(withInitializers(t, b, c.tp))
		if err != nil {
			t.Fatalf("data_type %d: %v", c.tp.dt, err)
		}
		ones := randInput(1, n)
		for i := range ones.Data {
			ones.Data[i] = 1
		}
		y, err := eval(m, out, ones)
		if err != nil {
			t.Fatalf("data_type %d: %v", c.tp.dt, err)
		}
		for i, v := range c.want {
			if y.Data[i] != v {
				t.Errorf("data_type %d: [%d] = %g, want %g", c.tp.dt, i, y.Data[i], v)
			}
		}
	}
}

// TestBoolMask: a Where on a bool initializer, the case onnx-go rejected as
// "Unable to decode data".
func TestBoolMask(t *testing.T) {
	f := newFixture(13, 4)
	zero := f.floats(nil, 0)
	out := f.node("Where", []string{"mask", "x", zero}, nil)
	f.m.Outputs = []string{out}
	b, _ := f.m.Encode()
	m, err := Decode(withInitializers(t, b, tensorProto{name: "mask", dims: []int64{4}, dt: dtBool, raw: []byte{1, 0, 0, 1}}))
	if err != nil {
		t.Fatal(err)
	}
	x := randInput(2, 4)
	y, err := eval(m, out, x)
	if err != nil {
		t.Fatal(err)
	}
	if y.Data[0] != x.Data[0] || y.Data[1] != 0 || y.Data[2] != 0 || y.Data[3] != x.Data[3] {
		t.Fatalf("Where(mask, x, 0) = %v for x = %v", y.Data, x.Data)
	}
}

func TestExternalData(t *testing.T) {
	dir := t.TempDir()
	side := make([]byte, 8+12)
	for i, v := range []float32{2, -1, 0.5} {
		binary.LittleEndian.PutUint32(side[8+4*i:], math.Float32bits(v))
	}
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), side, 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(loc, offset string) string {
		f := newFixture(13, 3)
		out := f.node("Mul", []string{"x", "w"}, nil)
		f.m.Outputs = []string{out}
		b, _ := f.m.Encode()
		ext := map[string]string{"location": loc, "offset": offset, "length": "12"}
		b = withInitializers(t, b, tensorProto{name: "w", dims: []int64{3}, dt: dtFloat, ext: ext})
		p := filepath.Join(dir, "model.onnx")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m, err := Load(write("weights.bin", "8"))
	if err != nil {
		t.Fatal(err)
	}
	x := randInput(3, 3)
	y, err := eval(m, m.Outputs[0], x)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []float32{2, -1, 0.5} {
		if y.Data[i] != x.Data[i]*w {
			t.Fatalf("external weight %d: %g, want %g", i, y.Data[i]/x.Data[i], w)
		}
	}
	if want, _ := filepath.EvalSymlinks(filepath.Join(dir, "weights.bin")); len(m.ExternalFiles) != 1 || m.ExternalFiles[0] != want {
		t.Errorf("ExternalFiles = %v, want [%s]", m.ExternalFiles, want)
	}
	// A link inside the folder to a file inside it is read; a link to a
	// file outside (the password database, say), a FIFO (which would block
	// the open) and a folder are refused.
	outside := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(outside, side, 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"inner.bin": "weights.bin", "escape.bin": outside} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.bin"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(write("inner.bin", "8")); err != nil {
		t.Errorf("a link inside the folder: %v", err)
	}
	for _, c := range []struct{ loc, off, want string }{
		{"escape.bin", "8", "outside the model's folder"},
		{"fifo.bin", "8", "not a regular file (a FIFO)"},
		{"sub.bin", "8", "not a regular file (a folder)"},
		{"../weights.bin", "8", "outside the model's folder"},
		{filepath.Join(dir, "weights.bin"), "8", "outside the model's folder"},
		{"weights.bin", "12", "past the end"},
		{"missing.bin", "0", "no such file"},
	} {
		_, err := Load(write(c.loc, c.off))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `initializer "w"`) {
			t.Errorf("location %q offset %s: error %v, want one naming the initializer and %q", c.loc, c.off, err, c.want)
		}
	}
	b, _ := os.ReadFile(write("weights.bin", "8"))
	if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), "folder is unknown") {
		t.Errorf("external data from bytes: %v", err)
	}
}

// TestBrokenTensor: a tensor whose data does not fill its dims is named.
func TestBrokenTensor(t *testing.T) {
	f := newFixture(13, 3)
	out := f.node("Mul", []string{"x", "w"}, nil)
	f.m.Outputs = []string{out}
	b, _ := f.m.Encode()
	_, err := Decode(withInitializers(t, b, tensorProto{name: "w", dims: []int64{3}, dt: dtFloat, raw: make([]byte, 8)}))
	if err == nil || !strings.Contains(err.Error(), `initializer "w"`) || !strings.Contains(err.Error(), "raw_data holds 8 bytes") {
		t.Fatalf("short raw_data: %v", err)
	}
}

// TestEmptyTensor: an initializer with a zero dimension and no data (a
// Resize's unused roi, as exporters write it) decodes and the model builds.
func TestEmptyTensor(t *testing.T) {
	f := newFixture(11, 1, 1, 2, 2)
	out := f.node("Resize", []string{"x", "roi", f.floats([]int64{4}, 1, 1, 2, 2)}, map[string]any{"mode": "nearest"})
	f.m.Outputs = []string{out}
	b, _ := f.m.Encode()
	m, err := Decode(withInitializers(t, b, tensorProto{name: "roi", dims: []int64{0}, dt: dtFloat}))
	if err != nil {
		t.Fatal(err)
	}
	y, err := eval(m, out, randInput(4, 1, 1, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(y.Data) != 16 {
		t.Fatalf("resized to %v", y.Shape)
	}
}

// TestRawInPlace: float raw_data large enough to be used in place comes
// out right at every offset modulo 4 in the file (the name's length moves
// it), through Load (whose buffer is moved in) and Decode (which must
// leave the caller's bytes as they were).
func TestRawInPlace(t *testing.T) {
	const n = 5000 // 20,000 bytes: over decodeRaw's 16 KiB
	raw := make([]byte, 4*n)
	want := make([]float32, n)
	for i := range want {
		want[i] = float32(i)*0.25 - 7
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(want[i]))
	}
	dir := t.TempDir()
	for pad := 0; pad < 4; pad++ {
		name := "w" + strings.Repeat("x", pad)
		f := newFixture(13, n)
		out := f.node("Mul", []string{"x", name}, nil)
		f.m.Outputs = []string{out}
		b, err := f.m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		b = withInitializers(t, b, tensorProto{name: name, dims: []int64{n}, dt: dtFloat, raw: raw})
		orig := bytes.Clone(b)
		path := filepath.Join(dir, fmt.Sprintf("m%d.onnx", pad))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		loaded, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, orig) {
			t.Fatalf("pad %d: Decode changed the caller's bytes", pad)
		}
		for _, m := range []*Model{loaded, decoded} {
			if got := m.Initializers[name].Float; !slices.Equal(got, want) {
				t.Fatalf("pad %d: the weights differ from the file's", pad)
			}
		}
	}
}
