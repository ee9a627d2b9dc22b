package onnxload

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of onnx.proto used here.
const (
	modelIRVersion = 1
	modelProducer  = 2
	modelGraph     = 7
	modelOpset     = 8

	opsetDomain  = 1
	opsetVersion = 2

	graphNode        = 1
	graphInitializer = 5
	graphInput       = 11
	graphOutput      = 12

	nodeInput  = 1
	nodeOutput = 2
	nodeName   = 3
	nodeOpType = 4
	nodeAttr   = 5
	nodeDomain = 7

	tensorDims     = 1
	tensorDataType = 2
	tensorFloats   = 4
	tensorInt64s   = 7
	tensorName     = 8
	tensorRaw      = 9

	valueName     = 1
	valueType     = 2
	typeTensor    = 1
	ttElemType    = 1
	ttShape       = 2
	shapeDim      = 1
	dimValue      = 1
	dimParam      = 2
	attrName      = 1
	attrF         = 2
	attrI         = 3
	attrS         = 4
	attrT         = 5
	attrFloats    = 7
	attrIntsField = 8
	attrStrings   = 9
	attrType      = 20
)

// ONNX element types used here.
const (
	dtFloat  = 1
	dtInt32  = 6
	dtInt64  = 7
	dtBool   = 9
	dtDouble = 11
)

// field calls f for every field of a protobuf message. It fails on
// malformed or truncated input instead of reading past it.
func fields(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errTruncated
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var u uint32
			u, n = protowire.ConsumeFixed32(b)
			x = uint64(u)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errTruncated
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

var errTruncated = errors.New("malformed or truncated protobuf")

// header is what the decoder does not report: opset, node names, declared
// input shapes with their symbolic dimensions, and which values are
// initializers.
type header struct {
	irVersion    int64
	opset        int64
	producer     string
	nodes        []Node // Name, OpType, Inputs, Outputs only
	inputs       []ValueInfo
	outputs      []string
	initializers map[string]*Tensor
	hasGraph     bool
	src          tensorSource
}

func readHeader(data []byte, src tensorSource) (*header, error) {
	h := &header{initializers: map[string]*Tensor{}, opset: -1, src: src}
	err := fields(data, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == modelIRVersion && typ == protowire.VarintType:
			h.irVersion = int64(x)
		case num == modelProducer && typ == protowire.BytesType:
			h.producer = string(v)
		case num == modelOpset && typ == protowire.BytesType:
			domain, version := "", int64(0)
			if err := fields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				if num == opsetDomain && typ == protowire.BytesType {
					domain = string(v)
				}
				if num == opsetVersion && typ == protowire.VarintType {
					version = int64(x)
				}
				return nil
			}); err != nil {
				return err
			}
			if domain == "" || domain == "ai.onnx" {
				h.opset = version
			}
		case num == modelGraph && typ == protowire.BytesType:
			h.hasGraph = true
			return h.readGraph(v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

func (h *header) readGraph(b []byte) error {
	return fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case graphNode:
			n := Node{Attrs: map[string]any{}}
			var attrErr error
			if err := fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if typ != protowire.BytesType {
					return nil
				}
				switch num {
				case nodeAttr:
					if ours, err := ownAttribute(v); err != nil || !ours {
						return err
					}
					name, val, err := h.src.readOwnAttribute(v)
					if err != nil {
						attrErr = err
						return nil
					}
					n.Attrs[name] = val
				case nodeInput:
					n.Inputs = append(n.Inputs, string(v))
				case nodeOutput:
					n.Outputs = append(n.Outputs, string(v))
				case nodeName:
					n.Name = string(v)
				case nodeOpType:
					n.OpType = string(v)
				case nodeDomain:
					if d := string(v); d != "" && d != "ai.onnx" {
						n.OpType = d + "." + n.OpType
					}
				}
				return nil
			}); err != nil {
				return err
			}
			if attrErr != nil {
				return fmt.Errorf("%v: %w", &n, attrErr)
			}
			h.nodes = append(h.nodes, n)
		case graphInitializer:
			name, t, err := h.src.readInitializer(v)
			if err != nil {
				if name == "" {
					name = fmt.Sprintf("#%d", len(h.initializers))
				}
				return fmt.Errorf("initializer %q: %w", name, err)
			}
			if name == "" {
				return fmt.Errorf("initializer #%d has no name", len(h.initializers))
			}
			h.initializers[name] = t
		case graphInput:
			vi, err := readValueInfo(v)
			if err != nil {
				return err
			}
			h.inputs = append(h.inputs, vi)
		case graphOutput:
			vi, err := readValueInfo(v)
			if err != nil {
				return err
			}
			h.outputs = append(h.outputs, vi.Name)
		}
		return nil
	})
}

func readValueInfo(b []byte) (ValueInfo, error) {
	var vi ValueInfo
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num == valueName && typ == protowire.BytesType {
			vi.Name = string(v)
		}
		if num != valueType || typ != protowire.BytesType {
			return nil
		}
		return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
			if num != typeTensor || typ != protowire.BytesType {
				return nil
			}
			return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				if num == ttElemType && typ == protowire.VarintType {
					vi.ElemType = int32(x)
				}
				if num != ttShape || typ != protowire.BytesType {
					return nil
				}
				return fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
					if num != shapeDim || typ != protowire.BytesType {
						return nil
					}
					var d int64
					var p string
					hasValue := false
					if err := fields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
						if num == dimValue && typ == protowire.VarintType {
							d, hasValue = int64(x), true
						}
						if num == dimParam && typ == protowire.BytesType {
							p = string(v)
						}
						return nil
					}); err != nil {
						return err
					}
					if p == "" && !hasValue {
						p = "?" // neither a size nor a name: unknown
					}
					vi.Dims = append(vi.Dims, d)
					vi.Params = append(vi.Params, p)
					return nil
				})
			})
		})
	})
	return vi, err
}

func (vi ValueInfo) String() string {
	s := "["
	for i, d := range vi.Dims {
		if i > 0 {
			s += ","
		}
		if vi.Params[i] != "" {
			s += vi.Params[i]
		} else {
			s += fmt.Sprint(d)
		}
	}
	return s + "]"
}
