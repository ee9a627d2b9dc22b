package zoo

import (
	"fmt"

	"github.com/invrep/invrep/onnxload"
)

// ConstantWeightsError is a model whose every convolution and fully
// connected weight holds one value (made by ConstantOfShape, as the
// architecture-only graphs are, or stored that way): its outputs do not
// depend on what a network learnt, so an inversion of it would be noise
// reported as a result. Commands add how to give it random weights.
type ConstantWeightsError struct {
	Model   string
	Weights int // the weights looked at, all constant
}

func (e *ConstantWeightsError) Error() string {
	return fmt.Sprintf("model %s has no learnt weights: all %d of its convolution and fully connected weights are constant (an architecture-only graph), so whatever it computes means nothing", e.Model, e.Weights)
}

// constantWeights counts the weights (input 1 of Conv, ConvTranspose,
// Gemm and MatMul) whose values can be read from the file, and how many
// of them hold a single value. Weights computed from other nodes (a
// DequantizeLinear, a Cast) are not read and count as neither.
func constantWeights(m *onnxload.Model) (constant, read int) {
	fromConstantOfShape := map[string]bool{}
	for _, n := range m.Nodes {
		if n.OpType == "ConstantOfShape" && len(n.Outputs) > 0 {
			fromConstantOfShape[n.Outputs[0]] = true
		}
	}
	for _, n := range m.Nodes {
		switch n.OpType {
		case "Conv", "ConvTranspose", "Gemm", "MatMul":
		default:
			continue
		}
		if len(n.Inputs) < 2 {
			continue
		}
		w := n.Inputs[1]
		if fromConstantOfShape[w] {
			constant++
			read++
			continue
		}
		t, ok := m.Initializers[w]
		if !ok || t.IsInt || len(t.Float) == 0 {
			continue
		}
		read++
		if oneValue(t.Float) {
			constant++
		}
	}
	return constant, read
}

func oneValue(v []float32) bool {
	for _, x := range v[1:] {
		if x != v[0] {
			return false
		}
	}
	return true
}

// CheckWeights refuses a model whose weights are all constant.
func CheckWeights(m *onnxload.Model, name string) error {
	if c, n := constantWeights(m); n > 0 && c == n {
		return &ConstantWeightsError{Model: name, Weights: n}
	}
	return nil
}
