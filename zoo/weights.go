package zoo

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/invrep/invrep/onnxload"
)

// RandomWeights gives a model whose weights are constants (ConstantOfShape,
// as the architecture-only graphs have) seeded random ones: convolution and
// fully connected weights ~ N(0, 2/fan_in) (He et al.), biases 0, batch
// normalisation as the identity (scale 1, shift 0, mean 0, variance 1).
// Activations then keep their scale through ReLU layers, so speed and
// invertibility can be studied. Weights that are already initializers are
// replaced the same way.
func RandomWeights(m *onnxload.Model, seed int64) error {
	rng := rand.New(rand.NewSource(seed))
	producer := map[string]int{}
	for i, n := range m.Nodes {
		for _, o := range n.Outputs {
			producer[o] = i
		}
	}
	shapes := map[string][]int64{}
	for _, n := range m.Nodes {
		if n.OpType != "ConstantOfShape" || len(n.Inputs) == 0 {
			continue
		}
		// Shapes computed by other nodes are rare in these graphs.
		if s, ok := m.Initializers[n.Inputs[0]]; ok {
			shapes[n.Outputs[0]] = s.Int
		}
	}
	changed := 0
	for _, n := range m.Nodes {
		for k, in := range n.Inputs {
			shape, fromConst := shapes[in]
			if init, ok := m.Initializers[in]; ok && !init.IsInt {
				shape, fromConst = init.Dims, true
			}
			if !fromConst {
				continue
			}
			t := fill(n.OpType, k, shape, n, rng)
			if t == nil {
				continue
			}
			m.Initializers[in] = t
			if i, ok := producer[in]; ok {
				// The constant node is replaced by the initializer.
				m.Nodes[i].OpType = "Identity"
				m.Nodes[i].Inputs = []string{in + "__random"}
				m.Initializers[in+"__random"] = t
				delete(m.Initializers, in)
			}
			changed++
		}
	}
	if changed == 0 {
		return fmt.Errorf("%s: no convolution or fully connected weights to randomise", m.Path)
	}
	return nil
}

// fill returns the random tensor for input k of an op, or nil to keep it.
func fill(op string, k int, shape []int64, n onnxload.Node, rng *rand.Rand) *onnxload.Tensor {
	t := &onnxload.Tensor{Dims: append([]int64(nil), shape...)}
	t.Float = make([]float32, t.Numel())
	switch {
	case (op == "Conv" || op == "Gemm" || op == "MatMul") && k == 1:
		fanIn := int64(1)
		switch {
		case op == "Conv":
			for _, d := range shape[1:] {
				fanIn *= d
			}
		case op == "Gemm" && n.Attrs["transB"] == int64(1):
			fanIn = shape[len(shape)-1]
		default:
			fanIn = shape[0]
		}
		sd := math.Sqrt(2 / float64(max(fanIn, 1)))
		for i := range t.Float {
			t.Float[i] = float32(rng.NormFloat64() * sd)
		}
	case (op == "Conv" && k == 2) || (op == "Gemm" && k == 2):
		// biases stay 0
	case op == "BatchNormalization" && (k == 1 || k == 4):
		for i := range t.Float {
			t.Float[i] = 1
		}
	case op == "BatchNormalization":
		// shift and mean 0
	default:
		return nil
	}
	return t
}
