package onnxload

import (
	"fmt"
	"strings"
)

// Opsets 1 to 6, the opsets of the older model-zoo files, differ from 7 in
// a few attributes, not in what the ops compute. upgradeLegacy rewrites
// such a model's nodes to their opset-7 forms once it is decoded, so that
// the rest of onnxload reads one form, and refuses, naming the node, what
// opset 7 cannot express: training mode (is_test 0, the default then,
// in BatchNormalization and Dropout), per-activation batch
// normalisation (spatial 0), Upsample before it was standardised.

// legacyBinary are the ops that took opset 1–6's broadcast and axis
// attributes.
var legacyBinary = map[string]bool{"Add": true, "Sub": true, "Mul": true, "Div": true, "Pow": true,
	"And": true, "Or": true, "Xor": true, "Equal": true, "Greater": true, "Less": true}

// legacyTypes are Cast's "to" as opset 1–5 spelled it, a string.
var legacyTypes = map[string]int64{"FLOAT": dtFloat, "UINT8": dtUint8, "INT8": dtInt8, "UINT16": dtUint16,
	"INT16": dtInt16, "INT32": dtInt32, "INT64": 7, "BOOL": 9, "FLOAT16": 10, "DOUBLE": 11, "UINT32": 12, "UINT64": 13}

func (m *Model) upgradeLegacy() error {
	if m.Opset >= 7 {
		return nil
	}
	for i := range m.Nodes {
		n := &m.Nodes[i]
		delete(n.Attrs, "consumed_inputs") // opset 1–5's in-place hint, no semantics
		switch {
		case legacyBinary[n.OpType]:
			if err := m.legacyBroadcast(n); err != nil {
				return fmt.Errorf("%v (opset %d): %w", n, m.Opset, err)
			}
		case n.OpType == "BatchNormalization" || n.OpType == "Dropout":
			if t, err := attrInt(n, "is_test", 0); err != nil || t == 0 {
				return fmt.Errorf("%v (opset %d): is_test is 0 (training mode, opset %d's default): invrep runs models in inference mode; export with is_test=1", n, m.Opset, m.Opset)
			}
			if s, err := attrInt(n, "spatial", 1); err != nil || s != 1 {
				return fmt.Errorf("%v (opset %d): spatial=0 (statistics per activation, not per channel) is not supported", n, m.Opset)
			}
			delete(n.Attrs, "is_test")
			delete(n.Attrs, "spatial")
		case n.OpType == "Reshape" && len(n.Inputs) == 1: // opset 1–4: the shape as an attribute
			shape, ok, err := attrInts(n, "shape")
			if err != nil || !ok {
				return fmt.Errorf("%v (opset %d): no shape attribute", n, m.Opset)
			}
			name := m.legacyConstant(n, "shape", &Tensor{Dims: []int64{int64(len(shape))}, Int: shape, IsInt: true, DataType: 7})
			n.Inputs = append(n.Inputs, name)
			delete(n.Attrs, "shape")
		case n.OpType == "Cast":
			if s, ok := n.Attrs["to"].(string); ok {
				dt, known := legacyTypes[strings.ToUpper(s)]
				if !known {
					return fmt.Errorf("%v (opset %d): cast to %q is not supported", n, m.Opset, s)
				}
				n.Attrs["to"] = dt
			}
		case n.OpType == "Concat" && m.Opset < 4:
			if _, ok := n.Attrs["axis"]; !ok {
				n.Attrs["axis"] = int64(1) // opset 1–3's default
			}
		case n.OpType == "Pad" && m.Opset < 2:
			if p, ok := n.Attrs["paddings"]; ok {
				n.Attrs["pads"] = p
				delete(n.Attrs, "paddings")
			}
		case n.OpType == "Upsample":
			return fmt.Errorf("%v (opset %d): Upsample before opset 7 (experimental, its scales as height_scale and width_scale) is not supported", n, m.Opset)
		}
	}
	return nil
}

// legacyBroadcast rewrites opset 1–6's broadcasting: with broadcast=1, B
// is aligned with A starting at axis (the trailing axes by default), which
// numpy broadcasting does once B is reshaped with 1s after its own axes;
// without it the shapes must match, which numpy broadcasting also accepts.
func (m *Model) legacyBroadcast(n *Node) error {
	bc, err := attrInt(n, "broadcast", 0)
	if err != nil {
		return err
	}
	axis, hasAxis := n.Attrs["axis"].(int64)
	delete(n.Attrs, "broadcast")
	delete(n.Attrs, "axis")
	if bc == 0 || !hasAxis || len(n.Inputs) != 2 {
		return nil
	}
	// B's rank and A's must be known to place B at axis: B is a weight
	// (its dims are stored) and A's rank is the declared input's, or
	// taken from the graph's declared value shapes.
	b := m.Initializers[n.Inputs[1]]
	if b == nil {
		return fmt.Errorf("broadcast along axis %d of a B that is not a stored constant is not supported", axis)
	}
	rankA := m.declaredRank(n.Inputs[0])
	if axis < 0 && rankA > 0 {
		axis += int64(rankA)
	}
	if rankA <= 0 || axis < 0 || axis+int64(len(b.Dims)) > int64(rankA) {
		return fmt.Errorf("broadcast of B %v along axis %d: A's rank is not known (%d)", b.Dims, axis, rankA)
	}
	dims := append([]int64(nil), b.Dims...)
	for k := axis + int64(len(b.Dims)); k < int64(rankA); k++ {
		dims = append(dims, 1)
	}
	aligned := *b
	aligned.Dims = dims
	n.Inputs[1] = m.legacyConstant(n, "aligned", &aligned)
	return nil
}

// legacyConstant stores t as a new initializer named after the node.
func (m *Model) legacyConstant(n *Node, what string, t *Tensor) string {
	name := fmt.Sprintf("%s/%s (opset %d)", firstOutput(n), what, m.Opset)
	m.Initializers[name] = t
	return name
}

// declaredRank is a value's rank from the graph's declarations: a graph
// input's dims, or what a chain of rank-keeping ops from one makes (the
// old files declare no intermediate shapes); 0 when unknown.
func (m *Model) declaredRank(name string) int {
	producer := map[string]*Node{}
	for i := range m.Nodes {
		for _, o := range m.Nodes[i].Outputs {
			producer[o] = &m.Nodes[i]
		}
	}
	for hops := 0; hops < len(m.Nodes)+1; hops++ {
		for _, in := range m.Inputs {
			if in.Name == name {
				return len(in.Dims)
			}
		}
		n := producer[name]
		if n == nil || len(n.Inputs) == 0 || !rankKeeping[n.OpType] {
			return 0
		}
		name = n.Inputs[0]
	}
	return 0
}

// rankKeeping ops give an output of their first input's rank.
var rankKeeping = map[string]bool{"Conv": true, "Relu": true, "MaxPool": true, "AveragePool": true, "BatchNormalization": true,
	"LRN": true, "Add": true, "Sub": true, "Mul": true, "Div": true, "Sigmoid": true, "Tanh": true, "LeakyRelu": true,
	"Dropout": true, "Identity": true, "Concat": true, "Sum": true, "Elu": true, "Selu": true, "PRelu": true, "Abs": true,
	"Exp": true, "Log": true, "Neg": true, "Sqrt": true, "Pow": true, "InstanceNormalization": true, "Softplus": true,
	"HardSigmoid": true, "Clip": true, "GlobalAveragePool": true, "GlobalMaxPool": true, "Pad": true}
