// Package onnxload reads ONNX models through onnx-go's decoder into a plain
// description (Model) and builds float32 NCHW graph.Graphs from it,
// truncated at any named values.
package onnxload

import (
	"fmt"
	"strings"
)

// Model is an ONNX graph as invrep sees it: nodes in graph order, the
// initializers, the opset of the default domain and the declared inputs.
type Model struct {
	Path         string // file the model came from, for messages; may be empty
	IRVersion    int64
	Opset        int64 // ai.onnx opset
	Producer     string
	Nodes        []Node
	Inputs       []ValueInfo // graph inputs that are not initializers
	Outputs      []string
	Initializers map[string]*Tensor
	// Dequantized builds a quantised model's float twin: every quantiser
	// computes x/scale + zero point, neither rounded nor clipped, so that
	// the weights are the dequantised ones and the activations float
	// (what --dequantize compares the quantised model with).
	Dequantized bool
	// ExternalFiles lists the side files the weights were read from
	// (external data), resolved: inputs no output may overwrite.
	ExternalFiles []string
	// initializerInputs are graph inputs that have initializers: constants
	// with defaults (as IR < 4 lists every weight), not inputs to feed.
	initializerInputs []string
	// Layout, when set to other than NCHW, makes the graph input an image
	// [N,C,H,W] laid out for the model before its first node (layout.go):
	// InputShape, Build's InputShape and the graph's input are then in
	// [N,C,H,W].
	Layout Layout
}

// Node is one ONNX node.
type Node struct {
	Name    string
	OpType  string
	Inputs  []string // "" marks an omitted optional input
	Outputs []string
	// Attrs holds int64, float32, string, []int64, []float32, []string or
	// *Tensor values, as ONNX attributes are typed.
	Attrs map[string]any
}

// ValueInfo is a declared graph input; Params[i] names a symbolic dimension
// (Dims[i] is then 0).
type ValueInfo struct {
	Name   string
	Dims   []int64
	Params []string
	// ElemType is the ONNX element type (1 = float).
	ElemType int32
}

// Tensor is an initializer or constant: float data (any float type, as
// float32) or integer data (any int or bool type, as int64).
type Tensor struct {
	Dims  []int64
	Float []float32
	Int   []int64
	IsInt bool
	// DataType is the ONNX element type the tensor was stored as (0 when
	// it was made in memory): Cast and the logic ops need to tell bool.
	DataType int32
}

// Numel is the element count of the tensor's dims.
func (t *Tensor) Numel() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// String names the node for messages: its name and op type.
func (n *Node) String() string {
	name := n.Name
	if name == "" && len(n.Outputs) > 0 {
		name = n.Outputs[0]
	}
	return fmt.Sprintf("node %q (%s)", name, n.OpType)
}

func (m *Model) where() string {
	if m.Path != "" {
		return m.Path
	}
	return "model"
}

func attrInt(n *Node, name string, def int64) (int64, error) {
	v, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	i, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("%v: attribute %s is %T, want an int", n, name, v)
	}
	return i, nil
}

func attrFloat(n *Node, name string, def float32) (float32, error) {
	v, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	switch f := v.(type) {
	case float32:
		return f, nil
	case int64:
		return float32(f), nil
	}
	return 0, fmt.Errorf("%v: attribute %s is %T, want a float", n, name, v)
}

func attrInts(n *Node, name string) ([]int64, bool, error) {
	v, ok := n.Attrs[name]
	if !ok {
		return nil, false, nil
	}
	is, ok := v.([]int64)
	if !ok {
		return nil, true, fmt.Errorf("%v: attribute %s is %T, want ints", n, name, v)
	}
	return is, true, nil
}

func attrString(n *Node, name, def string) (string, error) {
	v, ok := n.Attrs[name]
	if !ok {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%v: attribute %s is %T, want a string", n, name, v)
	}
	return s, nil
}

// attrs reads a node's attributes, keeping the first error, so that an op
// reads all it needs and checks once.
type attrs struct {
	n   *Node
	err error
}

func (a *attrs) int(name string, def int64) int64 {
	v, err := attrInt(a.n, name, def)
	a.keep(err)
	return v
}

func (a *attrs) float(name string, def float32) float32 {
	v, err := attrFloat(a.n, name, def)
	a.keep(err)
	return v
}

func (a *attrs) string(name, def string) string {
	v, err := attrString(a.n, name, def)
	a.keep(err)
	return v
}

func (a *attrs) keep(err error) {
	if a.err == nil {
		a.err = err
	}
}

// NameError is an unknown node output, node or module name; the message
// suggests the closest ones. Commands add where to list them.
type NameError struct {
	msg string
	// Modules says whether the model's node names carry module paths, so
	// that a command suggests listing them only where there are some.
	Modules bool
}

func (e *NameError) Error() string { return e.msg }

// LimitError is a model that would need more memory than Options.MaxMemory
// allows. Commands add how to raise the limit.
type LimitError struct{ msg string }

func (e *LimitError) Error() string { return e.msg }

// noInput says why the model has no input to feed: none is declared, or
// every declared one has an initializer.
func (m *Model) noInput() error {
	if len(m.initializerInputs) > 0 {
		return fmt.Errorf("%s: the model has no graph input to feed: its inputs (%s) all have initializers, so they are constants", m.where(), strings.Join(m.initializerInputs, ", "))
	}
	return fmt.Errorf("%s: the model has no graph input", m.where())
}
