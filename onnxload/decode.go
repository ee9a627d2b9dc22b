package onnxload

import (
	"bytes"
	"github.com/invrep/invrep/graph/regfile"
	"io"
	"slices"
	"strings"

	"errors"
	"fmt"
	"path/filepath"

	"google.golang.org/protobuf/encoding/protowire"

	onnx "github.com/owulveryck/onnx-go"
)

// MinOpset and MaxOpset bound the ai.onnx opsets whose semantics are implemented.
const (
	MinOpset = 1
	MaxOpset = 21
)

// Load reads an ONNX model file. The file is checked before it is read
// whole: a regular file (not /dev/zero), no larger than DefaultMaxMemory,
// whose first bytes are a field of an ONNX model.
func Load(path string) (*Model, error) {
	data, err := readModelFile(path, DefaultMaxMemory())
	if err != nil {
		return nil, err
	}
	var files []string
	m, err := decode(data, tensorSource{dir: filepath.Dir(path), files: &files})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Path = path
	slices.Sort(files)
	m.ExternalFiles = slices.Compact(files)
	return m, nil
}

// modelFields are the ModelProto field numbers a file can begin with.
var modelFields = map[protowire.Number]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 14: true, 20: true, 21: true, 25: true}

func readModelFile(path string, limit int64) ([]byte, error) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %s, more than the memory limit (%s) allows to read", path, bytesString(st.Size()), bytesString(limit))
	}
	head := make([]byte, min(st.Size(), 16))
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(head) > 0 {
		if num, _, n := protowire.ConsumeTag(head); n < 0 || !modelFields[num] {
			return nil, fmt.Errorf("%s: not an ONNX model (it does not begin like one)", path)
		}
	}
	data := make([]byte, st.Size())
	copy(data, head)
	if _, err := io.ReadFull(f, data[len(head):]); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// Decode reads an ONNX model from its bytes (external data, which needs
// the model's folder, is refused: use Load). The protobuf is walked once to
// read what onnx-go's decoder drops or misreads (opset, symbolic input
// dimensions, node names, every tensor) and the rest, the nodes and their
// plain attributes, is decoded by onnx-go into invrep's own backend.
// data is copied: the weights are used where they lie in the bytes
// decoded (see decodeRaw), which Load reads for itself.
func Decode(data []byte) (*Model, error) {
	return decode(bytes.Clone(data), tensorSource{files: new([]string)})
}

func decode(data []byte, src tensorSource) (m *Model, err error) {
	if len(data) == 0 {
		return nil, errors.New("not an ONNX model: the file is empty")
	}
	// The decoder's copy first: reading the header moves initializers'
	// bytes within data (see decodeRaw).
	stripped, stripErr := stripForDecoder(data)
	h, err := readHeader(data, src)
	if err != nil {
		if errors.Is(err, errTruncated) {
			return nil, fmt.Errorf("not an ONNX model (or a truncated one): %w", err)
		}
		return nil, fmt.Errorf("malformed ONNX model: %w", err)
	}
	if !h.hasGraph {
		return nil, errors.New("not an ONNX model: no graph")
	}
	if len(h.nodes) == 0 {
		return nil, errors.New("the model's graph has no nodes (its outputs are its inputs or constants): there is nothing to compute or invert")
	}
	if h.opset < 0 {
		return nil, errors.New("ONNX model declares no ai.onnx opset")
	}
	if h.opset < MinOpset || h.opset > MaxOpset {
		return nil, fmt.Errorf("opset %d is not supported (supported: %d to %d)", h.opset, MinOpset, MaxOpset)
	}
	for _, n := range h.nodes {
		if len(n.Outputs) == 0 {
			return nil, fmt.Errorf("%v has no outputs", &n)
		}
	}
	if stripErr != nil {
		return nil, fmt.Errorf("not an ONNX model (or a truncated one): %w", stripErr)
	}
	b := newBackend()
	defer func() {
		// onnx-go and gorgonia's tensor package panic on some malformed
		// tensors (data that does not fill the declared dims).
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("malformed ONNX model: %v", r)
		}
	}()
	if err := onnx.NewModel(b).UnmarshalBinary(stripped); err != nil {
		return nil, fmt.Errorf("decoding ONNX: %w", err)
	}
	if len(b.ops) != len(h.nodes) {
		return nil, fmt.Errorf("decoder reported %d nodes, the file has %d", len(b.ops), len(h.nodes))
	}
	m = &Model{IRVersion: h.irVersion, Opset: h.opset, Producer: h.producer, Outputs: h.outputs, Initializers: map[string]*Tensor{}}
	for i, n := range h.nodes {
		op := b.ops[i]
		// onnx-go gives the op type without its domain, which the wire
		// reading writes before it (com.microsoft.QLinearAdd).
		bare := n.OpType[strings.LastIndexByte(n.OpType, '.')+1:]
		if op.OpType != bare && n.OpType != "" {
			return nil, fmt.Errorf("%v: decoder reported op %s", &n, op.OpType)
		}
		op.OpType = n.OpType
		// The decoder gives a constant node with no inputs a fake one.
		if len(n.Inputs) == 0 {
			op.Inputs = nil
		}
		op.Name = n.Name
		for k, v := range n.Attrs {
			op.Attrs[k] = v
		}
		m.Nodes = append(m.Nodes, op)
	}
	if err := m.sortNodes(); err != nil {
		return nil, fmt.Errorf("malformed ONNX model: %w", err)
	}
	m.Initializers = h.initializers
	for _, in := range h.inputs {
		if h.initializers[in.Name] == nil {
			m.Inputs = append(m.Inputs, in)
		} else {
			m.initializerInputs = append(m.initializerInputs, in.Name)
		}
	}
	if err := m.upgradeLegacy(); err != nil {
		return nil, err
	}
	return m, nil
}
