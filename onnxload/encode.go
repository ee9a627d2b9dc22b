package onnxload

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// Encode writes the model as ONNX protobuf bytes. It is how invrep writes
// its own test fixtures and models with generated weights.
func (m *Model) Encode() ([]byte, error) {
	var g []byte
	for _, n := range m.Nodes {
		nb, err := encodeNode(n)
		if err != nil {
			return nil, err
		}
		g = protowire.AppendTag(g, graphNode, protowire.BytesType)
		g = protowire.AppendBytes(g, nb)
	}
	g = protowire.AppendTag(g, 2, protowire.BytesType) // graph name
	g = protowire.AppendString(g, "invrep")
	names := make([]string, 0, len(m.Initializers))
	for k := range m.Initializers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		g = protowire.AppendTag(g, graphInitializer, protowire.BytesType)
		g = protowire.AppendBytes(g, encodeTensor(k, m.Initializers[k]))
	}
	for _, in := range m.Inputs {
		g = protowire.AppendTag(g, graphInput, protowire.BytesType)
		g = protowire.AppendBytes(g, encodeValueInfo(in))
	}
	for _, o := range m.Outputs {
		g = protowire.AppendTag(g, graphOutput, protowire.BytesType)
		g = protowire.AppendBytes(g, encodeValueInfo(ValueInfo{Name: o, ElemType: dtFloat}))
	}
	ir := m.IRVersion
	if ir == 0 {
		ir = 7
	}
	var b []byte
	b = protowire.AppendTag(b, modelIRVersion, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(ir))
	b = protowire.AppendTag(b, modelProducer, protowire.BytesType)
	b = protowire.AppendString(b, "invrep")
	b = protowire.AppendTag(b, modelGraph, protowire.BytesType)
	b = protowire.AppendBytes(b, g)
	var op []byte
	op = protowire.AppendTag(op, opsetDomain, protowire.BytesType)
	op = protowire.AppendString(op, "")
	op = protowire.AppendTag(op, opsetVersion, protowire.VarintType)
	op = protowire.AppendVarint(op, uint64(m.Opset))
	b = protowire.AppendTag(b, modelOpset, protowire.BytesType)
	b = protowire.AppendBytes(b, op)
	return b, nil
}

func encodeNode(n Node) ([]byte, error) {
	var b []byte
	for _, in := range n.Inputs {
		b = protowire.AppendTag(b, nodeInput, protowire.BytesType)
		b = protowire.AppendString(b, in)
	}
	for _, o := range n.Outputs {
		b = protowire.AppendTag(b, nodeOutput, protowire.BytesType)
		b = protowire.AppendString(b, o)
	}
	if n.Name != "" {
		b = protowire.AppendTag(b, nodeName, protowire.BytesType)
		b = protowire.AppendString(b, n.Name)
	}
	b = protowire.AppendTag(b, nodeOpType, protowire.BytesType)
	b = protowire.AppendString(b, n.OpType)
	keys := make([]string, 0, len(n.Attrs))
	for k := range n.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ab, err := encodeAttr(k, n.Attrs[k])
		if err != nil {
			return nil, fmt.Errorf("%v: attribute %s: %w", &n, k, err)
		}
		b = protowire.AppendTag(b, nodeAttr, protowire.BytesType)
		b = protowire.AppendBytes(b, ab)
	}
	return b, nil
}

// ONNX AttributeProto.AttributeType values.
const (
	atFloat   = 1
	atInt     = 2
	atString  = 3
	atTensor  = 4
	atFloats  = 6
	atInts    = 7
	atStrings = 8
)

func encodeAttr(name string, v any) ([]byte, error) {
	var b []byte
	b = protowire.AppendTag(b, attrName, protowire.BytesType)
	b = protowire.AppendString(b, name)
	var typ uint64
	switch v := v.(type) {
	case float32:
		typ = atFloat
		b = protowire.AppendTag(b, attrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(v))
	case int64:
		typ = atInt
		b = protowire.AppendTag(b, attrI, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(v))
	case int:
		typ = atInt
		b = protowire.AppendTag(b, attrI, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(v)))
	case string:
		typ = atString
		b = protowire.AppendTag(b, attrS, protowire.BytesType)
		b = protowire.AppendString(b, v)
	case *Tensor:
		typ = atTensor
		b = protowire.AppendTag(b, attrT, protowire.BytesType)
		b = protowire.AppendBytes(b, encodeTensor("", v))
	case []float32:
		typ = atFloats
		for _, f := range v {
			b = protowire.AppendTag(b, attrFloats, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, math.Float32bits(f))
		}
	case []int64:
		typ = atInts
		for _, i := range v {
			b = protowire.AppendTag(b, attrIntsField, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(i))
		}
	case []string:
		typ = atStrings
		for _, s := range v {
			b = protowire.AppendTag(b, attrStrings, protowire.BytesType)
			b = protowire.AppendString(b, s)
		}
	default:
		return nil, fmt.Errorf("unsupported attribute value %T", v)
	}
	b = protowire.AppendTag(b, attrType, protowire.VarintType)
	b = protowire.AppendVarint(b, typ)
	return b, nil
}

func encodeTensor(name string, t *Tensor) []byte {
	var b []byte
	for _, d := range t.Dims {
		b = protowire.AppendTag(b, tensorDims, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, tensorDataType, protowire.VarintType)
	var raw []byte
	if t.IsInt {
		// The declared element type where it is a narrower integer (a
		// quantised tensor's int8 or uint8), else int64.
		dt := int64(t.DataType)
		switch dt {
		case dtUint8, dtInt8, dtUint16, dtInt16, dtInt32:
		default:
			dt = dtInt64
		}
		b = protowire.AppendVarint(b, uint64(dt))
		size := elemSize(dt)
		raw = make([]byte, size*len(t.Int))
		for i, v := range t.Int {
			switch size {
			case 1:
				raw[i] = byte(v)
			case 2:
				binary.LittleEndian.PutUint16(raw[2*i:], uint16(v))
			case 4:
				binary.LittleEndian.PutUint32(raw[4*i:], uint32(v))
			default:
				binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
			}
		}
	} else {
		b = protowire.AppendVarint(b, dtFloat)
		raw = make([]byte, 4*len(t.Float))
		for i, v := range t.Float {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
	}
	if name != "" {
		b = protowire.AppendTag(b, tensorName, protowire.BytesType)
		b = protowire.AppendString(b, name)
	}
	b = protowire.AppendTag(b, tensorRaw, protowire.BytesType)
	return protowire.AppendBytes(b, raw)
}

func encodeValueInfo(vi ValueInfo) []byte {
	var shape []byte
	for i, d := range vi.Dims {
		var db []byte
		if i < len(vi.Params) && vi.Params[i] != "" {
			db = protowire.AppendTag(db, dimParam, protowire.BytesType)
			db = protowire.AppendString(db, vi.Params[i])
		} else {
			db = protowire.AppendTag(db, dimValue, protowire.VarintType)
			db = protowire.AppendVarint(db, uint64(d))
		}
		shape = protowire.AppendTag(shape, shapeDim, protowire.BytesType)
		shape = protowire.AppendBytes(shape, db)
	}
	var tt []byte
	et := vi.ElemType
	if et == 0 {
		et = dtFloat
	}
	tt = protowire.AppendTag(tt, ttElemType, protowire.VarintType)
	tt = protowire.AppendVarint(tt, uint64(et))
	if vi.Dims != nil {
		tt = protowire.AppendTag(tt, ttShape, protowire.BytesType)
		tt = protowire.AppendBytes(tt, shape)
	}
	var typ []byte
	typ = protowire.AppendTag(typ, typeTensor, protowire.BytesType)
	typ = protowire.AppendBytes(typ, tt)
	var b []byte
	b = protowire.AppendTag(b, valueName, protowire.BytesType)
	b = protowire.AppendString(b, vi.Name)
	b = protowire.AppendTag(b, valueType, protowire.BytesType)
	return protowire.AppendBytes(b, typ)
}
