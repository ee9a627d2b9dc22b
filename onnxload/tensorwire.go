package onnxload

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/invrep/invrep/graph/regfile"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// TensorProto fields and element types that only the project's own reader
// handles (onnx-go v0.5.0 reads bool data as 8 bytes per element, and knows
// neither float16, the 8- and 16-bit integers nor external data).
const (
	tensorInt32s        = 5
	tensorDoubles       = 10
	tensorUint64s       = 11
	tensorExternal      = 13
	tensorDataLocation  = 14
	locationExternal    = 1
	entryKey, entryVal  = 1, 2
	dtUint8, dtInt8     = 2, 3
	dtUint16, dtInt16   = 4, 5
	dtString            = 8
	dtFloat16           = 10
	dtUint32, dtUint64  = 12, 13
	dtBfloat16          = 16
	maxTensorDimProduct = 1 << 40
)

// elemSize is the raw_data width of an element type, 0 when unsupported.
func elemSize(dt int64) int {
	switch dt {
	case dtUint8, dtInt8, dtBool:
		return 1
	case dtUint16, dtInt16, dtFloat16, dtBfloat16:
		return 2
	case dtFloat, dtInt32, dtUint32:
		return 4
	case dtInt64, dtDouble, dtUint64:
		return 8
	}
	return 0
}

// elemTypeName names an ONNX element type for messages.
func elemTypeName(dt int64) string {
	names := map[int64]string{dtFloat: "float", dtUint8: "uint8", dtInt8: "int8", dtUint16: "uint16", dtInt16: "int16",
		dtInt32: "int32", dtInt64: "int64", dtString: "string", dtBool: "bool", dtFloat16: "float16", dtDouble: "double",
		dtUint32: "uint32", dtUint64: "uint64", 14: "complex64", 15: "complex128", dtBfloat16: "bfloat16"}
	if n, ok := names[dt]; ok {
		return n
	}
	return fmt.Sprintf("element type %d", dt)
}

func isFloatType(dt int64) bool {
	return dt == dtFloat || dt == dtDouble || dt == dtFloat16 || dt == dtBfloat16
}

// tensorSource says where external data may be read from: the folder of the
// model file. An empty dir refuses external data (a model decoded from bytes).
type tensorSource struct {
	dir   string
	files *[]string // the side files read, for Model.ExternalFiles
}

// inside resolves an external-data location against the model's folder,
// following symlinks, and refuses one that leads outside it: a side file
// that is a link to /etc/passwd would otherwise come out as features.
func (src tensorSource) inside(loc string) (string, error) {
	dir, err := filepath.EvalSymlinks(src.dir)
	if err != nil {
		return "", fmt.Errorf("external data %q: %w", loc, err)
	}
	path, err := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(loc)))
	if err != nil {
		return "", fmt.Errorf("external data: %w", err)
	}
	if rel, err := filepath.Rel(dir, path); err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("external data location %q leads to %s, outside the model's folder %s", loc, path, dir)
	}
	return path, nil
}

// readTensor decodes a TensorProto into a Tensor: float types as float32,
// integer and bool types as int64.
func (src tensorSource) readTensor(b []byte) (string, *Tensor, error) {
	return src.decodeTensor(b, false)
}

// readInitializer is readTensor for a graph's initializer, whose bytes
// are the caller's to overwrite: its float raw_data may be moved within
// the message to a 4-byte boundary and used in place (see decodeRaw).
func (src tensorSource) readInitializer(b []byte) (string, *Tensor, error) {
	return src.decodeTensor(b, true)
}

func (src tensorSource) decodeTensor(b []byte, movable bool) (string, *Tensor, error) {
	var (
		name               string
		dims               []int64
		dt                 int64
		raw                []byte
		hasRaw             bool
		floats             []float32
		ints               []int64 // int32_data, int64_data, uint64_data
		doubles            []float64
		external           = map[string]string{}
		location           int64
		nInt32, nI64, nU64 int
	)
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case tensorDims:
			return varints(typ, v, x, func(u uint64) { dims = append(dims, int64(u)) })
		case tensorDataType:
			dt = int64(x)
		case tensorFloats:
			return fixed32s(typ, v, x, func(u uint32) { floats = append(floats, math.Float32frombits(u)) })
		case tensorInt32s:
			return varints(typ, v, x, func(u uint64) { ints = append(ints, int64(int32(u))); nInt32++ })
		case tensorInt64s:
			return varints(typ, v, x, func(u uint64) { ints = append(ints, int64(u)); nI64++ })
		case tensorUint64s:
			return varints(typ, v, x, func(u uint64) { ints = append(ints, int64(u)); nU64++ })
		case tensorDoubles:
			return fixed64s(typ, v, x, func(u uint64) { doubles = append(doubles, math.Float64frombits(u)) })
		case tensorName:
			name = string(v)
		case tensorRaw:
			raw, hasRaw = v, true
		case tensorExternal:
			var k, val string
			if err := fields(v, func(num protowire.Number, _ protowire.Type, v []byte, _ uint64) error {
				switch num {
				case entryKey:
					k = string(v)
				case entryVal:
					val = string(v)
				}
				return nil
			}); err != nil {
				return err
			}
			external[k] = val
		case tensorDataLocation:
			location = int64(x)
		}
		return nil
	})
	if err != nil {
		return name, nil, err
	}
	t := &Tensor{Dims: dims, IsInt: !isFloatType(dt), DataType: int32(dt)}
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return name, nil, fmt.Errorf("negative dimension in dims %v", dims)
		}
		n *= d
		if n > maxTensorDimProduct {
			return name, nil, fmt.Errorf("dims %v are too large", dims)
		}
	}
	size := elemSize(dt)
	if size == 0 {
		return name, nil, fmt.Errorf("%s tensors are not supported", elemTypeName(dt))
	}
	if location == locationExternal || len(external) > 0 {
		if raw, err = src.external(external, n*int64(size)); err != nil {
			return name, nil, err
		}
		hasRaw, movable = true, false
	}
	if hasRaw {
		if int64(len(raw)) != n*int64(size) {
			return name, nil, fmt.Errorf("raw_data holds %d bytes, dims %v of data_type %d need %d", len(raw), dims, dt, n*int64(size))
		}
		decodeRaw(t, dt, raw, int(n), movable)
		return name, t, nil
	}
	var got int
	switch dt {
	case dtFloat:
		t.Float, got = floats, len(floats)
	case dtDouble:
		t.Float = make([]float32, len(doubles))
		for i, v := range doubles {
			t.Float[i] = float32(v)
		}
		got = len(doubles)
	case dtFloat16, dtBfloat16:
		// int32_data holds the 16-bit patterns.
		t.Float = make([]float32, len(ints))
		for i, v := range ints {
			t.Float[i] = halfToFloat(dt, uint16(v))
		}
		got = nInt32
	case dtInt64:
		t.Int, got = ints, nI64
	case dtUint32, dtUint64:
		t.Int, got = ints, nU64
	default:
		t.Int, got = ints, nInt32
	}
	if int64(got) != n || len(t.Float)+len(t.Int) != got {
		return name, nil, fmt.Errorf("holds %d values of data_type %d, dims %v need %d", len(t.Float)+len(t.Int), dt, dims, n)
	}
	return name, t, nil
}

// decodeRaw sets t's values from raw_data. Float32 data on a
// little-endian machine is used where it lies, not copied: a copy held a
// model twice while it loaded (ViT-B/16: 660 MB for 330 MB of weights).
// Data off a 4-byte boundary is moved back to one over the bytes of its
// own field's tag and length, when the message is movable and those are
// at least three bytes (raw_data of 16 KiB or more; smaller ones are
// copied).
func decodeRaw(t *Tensor, dt int64, raw []byte, n int, movable bool) {
	le := binary.LittleEndian
	if littleEndian && dt == dtFloat && n > 0 {
		off := int(uintptr(unsafe.Pointer(&raw[0])) % 4)
		if off != 0 && movable && len(raw) >= 1<<14 {
			moved := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(&raw[0]), -off)), len(raw))
			copy(moved, raw)
			raw, off = moved, 0
		}
		if off == 0 {
			t.Float = unsafe.Slice((*float32)(unsafe.Pointer(&raw[0])), n)
			return
		}
	}
	if isFloatType(dt) {
		t.Float = make([]float32, n)
	} else {
		t.Int = make([]int64, n)
	}
	if littleEndian && n > 0 {
		// The file's layout is the machine's: one copy (ViT-B/16's 330 MB
		// of weights took a second element by element).
		switch dt {
		case dtFloat:
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&t.Float[0])), 4*n), raw)
			return
		case dtInt64:
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&t.Int[0])), 8*n), raw)
			return
		}
	}
	for i := 0; i < n; i++ {
		switch dt {
		case dtFloat:
			t.Float[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		case dtDouble:
			t.Float[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		case dtFloat16, dtBfloat16:
			t.Float[i] = halfToFloat(dt, le.Uint16(raw[2*i:]))
		case dtUint8:
			t.Int[i] = int64(raw[i])
		case dtInt8:
			t.Int[i] = int64(int8(raw[i]))
		case dtBool:
			t.Int[i] = b2i(raw[i] != 0)
		case dtUint16:
			t.Int[i] = int64(le.Uint16(raw[2*i:]))
		case dtInt16:
			t.Int[i] = int64(int16(le.Uint16(raw[2*i:])))
		case dtInt32:
			t.Int[i] = int64(int32(le.Uint32(raw[4*i:])))
		case dtUint32:
			t.Int[i] = int64(le.Uint32(raw[4*i:]))
		case dtInt64, dtUint64:
			t.Int[i] = int64(le.Uint64(raw[8*i:]))
		}
	}
}

// littleEndian is true on machines that store numbers as ONNX files do.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// halfToFloat widens an IEEE half or a bfloat16 to float32; weights stored
// in half precision are computed in float32.
func halfToFloat(dt int64, h uint16) float32 {
	if dt == dtBfloat16 {
		return math.Float32frombits(uint32(h) << 16)
	}
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: renormalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// external reads a tensor's bytes from the side file its external_data
// names. As onnxruntime does, a location outside the model's folder
// (absolute, or climbing with ..) is refused.
func (src tensorSource) external(kv map[string]string, want int64) ([]byte, error) {
	loc := kv["location"]
	if loc == "" {
		return nil, errors.New("external data without a location")
	}
	if src.dir == "" {
		return nil, fmt.Errorf("external data %q: the model was not read from a file, so its folder is unknown", loc)
	}
	if filepath.IsAbs(loc) || !filepath.IsLocal(filepath.FromSlash(loc)) {
		return nil, fmt.Errorf("external data location %q is outside the model's folder", loc)
	}
	var off, length int64 = 0, -1
	var err error
	if s, ok := kv["offset"]; ok {
		if off, err = strconv.ParseInt(s, 10, 64); err != nil || off < 0 {
			return nil, fmt.Errorf("external data %q: bad offset %q", loc, s)
		}
	}
	if s, ok := kv["length"]; ok {
		if length, err = strconv.ParseInt(s, 10, 64); err != nil || length < 0 {
			return nil, fmt.Errorf("external data %q: bad length %q", loc, s)
		}
	}
	if length < 0 {
		length = want
	}
	if length != want {
		return nil, fmt.Errorf("external data %q: length %d, the tensor's dims need %d bytes", loc, length, want)
	}
	path, err := src.inside(loc)
	if err != nil {
		return nil, err
	}
	f, err := regfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	*src.files = append(*src.files, path)
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	if off > st.Size() || length > st.Size()-off {
		return nil, fmt.Errorf("external data %s: %d bytes at offset %d run past the end of the file (%d bytes)", path, length, off, st.Size())
	}
	buf := make([]byte, length)
	if _, err := f.ReadAt(buf, off); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("external data %s: %d bytes at offset %d run past the end of the file", path, length, off)
		}
		return nil, fmt.Errorf("external data: %w", err)
	}
	return buf, nil
}

// varints calls f for each value of a repeated varint field, packed or not.
func varints(typ protowire.Type, v []byte, x uint64, f func(uint64)) error {
	if typ == protowire.VarintType {
		f(x)
		return nil
	}
	if typ != protowire.BytesType {
		return errTruncated
	}
	for len(v) > 0 {
		u, n := protowire.ConsumeVarint(v)
		if n < 0 {
			return errTruncated
		}
		f(u)
		v = v[n:]
	}
	return nil
}

func fixed32s(typ protowire.Type, v []byte, x uint64, f func(uint32)) error {
	return fixeds(typ, protowire.Fixed32Type, v, x, binary.LittleEndian.Uint32, f)
}

func fixed64s(typ protowire.Type, v []byte, x uint64, f func(uint64)) error {
	return fixeds(typ, protowire.Fixed64Type, v, x, binary.LittleEndian.Uint64, f)
}

// fixeds reads a repeated fixed-width field, one value (of type one) or a
// packed run of them, little-endian, each read by get.
func fixeds[T uint32 | uint64](typ, one protowire.Type, v []byte, x uint64, get func([]byte) T, f func(T)) error {
	if typ == one {
		f(T(x))
		return nil
	}
	size := 4
	if one == protowire.Fixed64Type {
		size = 8
	}
	if typ != protowire.BytesType || len(v)%size != 0 {
		return errTruncated
	}
	for i := 0; i < len(v); i += size {
		f(get(v[i:]))
	}
	return nil
}
