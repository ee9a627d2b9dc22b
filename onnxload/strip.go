package onnxload

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// AttributeProto fields and types that are read by the project's own reader.
const (
	attrTensors     = 10
	attrGraph       = 6
	attrGraphs      = 11
	attrSparse      = 22
	attrSparses     = 23
	atGraph         = 5
	atTensors       = 9
	atGraphs        = 10
	atSparseTensor  = 11
	atSparseTensors = 12

	graphValueInfo   = 13
	graphSparseInits = 15
	graphDocString   = 10
)

// stripForDecoder returns a copy of the model that onnx-go can decode: the
// graph's nodes with their plain attributes (names, op types, edges), but no
// initializers, tensor or subgraph attributes, and inputs and outputs by
// name only. Those are what onnx-go v0.5.0 misreads or refuses (bool data,
// float16, external data, element types it has no dtype for); readHeader
// decodes them instead, and skipping 100s of MB of weights in onnx-go also
// halves the loading time and memory.
func stripForDecoder(data []byte) ([]byte, error) {
	return rewrite(data, func(num protowire.Number, typ protowire.Type, v []byte) ([]byte, bool, error) {
		if num == modelGraph && typ == protowire.BytesType {
			g, err := stripGraph(v)
			return g, true, err
		}
		return nil, false, nil
	})
}

func stripGraph(b []byte) ([]byte, error) {
	return rewrite(b, func(num protowire.Number, typ protowire.Type, v []byte) ([]byte, bool, error) {
		switch num {
		case graphInitializer, graphValueInfo, graphSparseInits, graphDocString:
			return nil, true, nil
		case graphInput, graphOutput:
			if typ != protowire.BytesType {
				return nil, true, nil
			}
			vi, err := readValueInfo(v)
			if err != nil {
				return nil, true, err
			}
			var nb []byte
			nb = protowire.AppendTag(nb, valueName, protowire.BytesType)
			return protowire.AppendString(nb, vi.Name), true, nil
		case graphNode:
			if typ != protowire.BytesType {
				return nil, true, nil
			}
			nb, err := stripNode(v)
			return nb, true, err
		}
		return nil, false, nil
	})
}

func stripNode(b []byte) ([]byte, error) {
	return rewrite(b, func(num protowire.Number, typ protowire.Type, v []byte) ([]byte, bool, error) {
		if num == nodeAttr && typ == protowire.BytesType {
			ours, err := ownAttribute(v)
			return nil, err != nil || ours, err
		}
		return nil, false, nil
	})
}

// rewrite copies message b field by field through f, which says whether it
// changes a field (changed) and into what: a length-delimited field's new
// bytes, or nil to drop it. Unchanged fields are copied as they are.
func rewrite(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte) (repl []byte, changed bool, err error)) ([]byte, error) {
	out := []byte{} // an emptied message is still written, as a field of no bytes
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		repl, changed, err := f(num, typ, v)
		switch {
		case err != nil:
			return err
		case !changed:
			out = appendField(out, num, typ, v, x)
		case repl != nil:
			out = appendField(out, num, typ, repl, 0)
		}
		return nil
	})
	return out, err
}

// ownAttribute reports whether an attribute holds a tensor or a graph:
// the kinds the project's reader decodes (or refuses by name) itself.
func ownAttribute(b []byte) (bool, error) {
	ours := false
	err := fields(b, func(num protowire.Number, typ protowire.Type, _ []byte, x uint64) error {
		switch num {
		case attrT, attrTensors, attrGraph, attrGraphs, attrSparse, attrSparses:
			ours = true
		case attrType:
			switch x {
			case atTensor, atGraph, atTensors, atGraphs, atSparseTensor, atSparseTensors:
				ours = true
			}
		}
		return nil
	})
	return ours, err
}

// readOwnAttribute decodes a tensor attribute; subgraph attributes are
// reported as such (the ops that carry them, If and Loop, are unsupported).
func (src tensorSource) readOwnAttribute(b []byte) (string, any, error) {
	var name string
	var val any
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case attrName:
			name = string(v)
		case attrT:
			_, t, err := src.readTensor(v)
			if err != nil {
				return err
			}
			val = t
		case attrGraph, attrGraphs:
			val = subgraph{}
		case attrTensors, attrSparse, attrSparses:
			return fmt.Errorf("attribute kind (field %d) is not supported", num)
		}
		return nil
	})
	if err != nil {
		return name, nil, fmt.Errorf("attribute %s: %w", name, err)
	}
	return name, val, nil
}

// subgraph stands for a graph-valued attribute (If, Loop, Scan bodies).
type subgraph struct{}

func appendField(b []byte, num protowire.Number, typ protowire.Type, v []byte, x uint64) []byte {
	switch typ {
	case protowire.VarintType:
		b = protowire.AppendTag(b, num, typ)
		return protowire.AppendVarint(b, x)
	case protowire.Fixed32Type:
		b = protowire.AppendTag(b, num, typ)
		return protowire.AppendFixed32(b, uint32(x))
	case protowire.Fixed64Type:
		b = protowire.AppendTag(b, num, typ)
		return protowire.AppendFixed64(b, x)
	case protowire.BytesType:
		b = protowire.AppendTag(b, num, typ)
		return protowire.AppendBytes(b, v)
	}
	return b // groups are obsolete and never used by ONNX
}
