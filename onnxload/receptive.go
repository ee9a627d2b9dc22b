package onnxload

import "fmt"

// RF is the receptive field of a node's outputs along each spatial axis:
// the input pixels one output sees (Size) and how far apart neighbouring
// outputs' fields start (Stride). Global marks a value that depends on
// the whole input (after a global pool, a fully connected layer,
// attention); its Size is then that of the input, which the caller knows.
//
// Unknown marks a value whose positions an op rearranged (a Reshape, a
// Gather, a Resize by a factor the file does not hold): its field is not
// computed, and whoever needs one takes the whole input (Global is then
// set too), but it is not reported as global, which it need not be.
type RF struct {
	Size, Stride int
	Global       bool
	Unknown      bool
}

func (r RF) String() string {
	switch {
	case r.Unknown:
		return "unknown (positions rearranged)"
	case r.Global:
		return fmt.Sprintf("global, stride %d", r.Stride)
	}
	return fmt.Sprintf("%d, stride %d", r.Size, r.Stride)
}

// local are the ops whose output at a position depends on their inputs
// at that position only (or on constants): they keep the receptive field
// of their widest input.
var local = map[string]bool{
	"Relu": true, "LeakyRelu": true, "PRelu": true, "Clip": true, "Sigmoid": true, "Tanh": true, "Elu": true, "Selu": true,
	"HardSigmoid": true, "HardSwish": true, "Softplus": true, "Mish": true, "Gelu": true, "Erf": true,
	"Add": true, "Sub": true, "Mul": true, "Div": true, "Pow": true, "Sqrt": true, "Exp": true, "Log": true, "Neg": true,
	"Abs": true, "Reciprocal": true, "Max": true, "Min": true, "Sum": true, "Mean": true, "Where": true,
	"BatchNormalization": true, "LRN": true, "Dropout": true, "Identity": true, "Concat": true, "Cast": true,
	"Pad": true, "Split": true, "Transpose": true, "Squeeze": true, "Unsqueeze": true, "Slice": true,
}

// rearranging are the ops that move values between positions in ways the
// node list alone does not tell: the field after them is unknown.
var rearranging = map[string]bool{
	"Reshape": true, "Gather": true, "GatherElements": true, "GatherND": true, "Flatten": true,
	"DepthToSpace": true, "SpaceToDepth": true, "Expand": true, "Tile": true, "ScatterND": true,
}

// windowed are the ops that slide a window over the input.
var windowed = map[string]bool{"Conv": true, "MaxPool": true, "AveragePool": true, "LpPool": true}

// ReceptiveFields computes every value's receptive field from the node
// list, in graph order: a window of k pixels (dilation d) at stride s
// widens the field by (d(k−1))·stride and multiplies the stride by s; local
// ops keep their widest input's field (exact along a chain, the widest of
// the branches where they meet); anything else (global pools, reshapes,
// matrix products, attention) makes it global. Values computed from
// constants alone have none.
func (m *Model) ReceptiveFields() (map[string]RF, error) {
	rf := map[string]RF{}
	for _, in := range m.Inputs {
		rf[in.Name] = RF{Size: 1, Stride: 1}
	}
	for i := range m.Nodes {
		n := &m.Nodes[i]
		var widest RF
		live := false
		for _, in := range n.Inputs {
			r, ok := rf[in]
			if !ok {
				continue
			}
			if !live {
				widest, live = r, true
				continue
			}
			widest = wider(widest, r)
		}
		if !live {
			continue
		}
		out := widest
		switch {
		case windowed[n.OpType] && !widest.Global:
			k, err := m.window(n)
			if err != nil {
				return nil, fmt.Errorf("%v: %w", n, err)
			}
			s, err := spatial(n, "strides", 1)
			if err != nil {
				return nil, fmt.Errorf("%v: %w", n, err)
			}
			d, err := spatial(n, "dilations", 1)
			if err != nil {
				return nil, fmt.Errorf("%v: %w", n, err)
			}
			// Square fields: the larger axis.
			ext := max(d[0]*(k[0]-1), d[1]*(k[1]-1))
			out = RF{Size: widest.Size + ext*widest.Stride, Stride: widest.Stride * max(s[0], s[1])}
		case widest.Global || widest.Unknown:
			// Nothing after a global or unknown field makes it local again.
		case n.OpType == "ConvTranspose":
			// Each output reads ⌈(d(k−1)+1)/s⌉ inputs, s times closer.
			k, err := m.window(n)
			if err != nil {
				return nil, fmt.Errorf("%v: %w", n, err)
			}
			s, err := spatial(n, "strides", 1)
			if err != nil {
				return nil, fmt.Errorf("%v: %w", n, err)
			}
			d, err := spatial(n, "dilations", 1)
			if err != nil {
				return nil, fmt.Errorf("%v: %w", n, err)
			}
			reads := 0
			for a := range 2 {
				reads = max(reads, (d[a]*(k[a]-1)+s[a])/s[a])
			}
			out = RF{Size: widest.Size + (reads-1)*widest.Stride, Stride: max(widest.Stride/max(s[0], s[1]), 1)}
		case n.OpType == "Resize" || n.OpType == "Upsample":
			if f, ok := m.resizeFactor(n); ok {
				// Linear or cubic reads up to 4 neighbours, nearest 1;
				// taken as 2 input steps either way, a bound.
				out = RF{Size: widest.Size + 2*widest.Stride, Stride: max(int(float64(widest.Stride)/f), 1)}
			} else {
				out.Unknown, out.Global = true, true
			}
		case rearranging[n.OpType]:
			out.Unknown, out.Global = true, true
		case local[n.OpType]:
		default:
			out.Global = true
		}
		for _, o := range n.Outputs {
			if o != "" {
				rf[o] = out
			}
		}
	}
	return rf, nil
}

// ReceptiveField is one layer's field (see ReceptiveFields).
func (m *Model) ReceptiveField(layer string) (RF, error) {
	all, err := m.ReceptiveFields()
	if err != nil {
		return RF{}, err
	}
	r, ok := all[layer]
	if !ok {
		if _, _, computed := m.Position(layer); !computed {
			return RF{}, m.unknownValue(layer)
		}
		return RF{}, fmt.Errorf("%s: %q does not depend on the input", m.where(), layer)
	}
	return r, nil
}

// wider is the more conservative of two fields meeting at a node.
func wider(a, b RF) RF {
	return RF{Size: max(a.Size, b.Size), Stride: max(a.Stride, b.Stride), Global: a.Global || b.Global, Unknown: (a.Unknown || b.Unknown) && !(a.Global && !a.Unknown || b.Global && !b.Unknown)}
}

// resizeFactor is a Resize's spatial scale where the file stores it (the
// scales input, or Upsample's), the larger of the two axes.
func (m *Model) resizeFactor(n *Node) (float64, bool) {
	k := 2 // Resize (opset 11+): X, roi, scales, sizes
	if n.OpType == "Upsample" || m.Opset < 11 {
		k = 1
	}
	if len(n.Inputs) <= k || n.Inputs[k] == "" {
		return 0, false
	}
	t := m.Initializers[n.Inputs[k]]
	if t == nil || len(t.Float) != 4 || t.Float[2] <= 0 || t.Float[3] <= 0 {
		return 0, false
	}
	return float64(max(t.Float[2], t.Float[3])), true
}

// window is a windowed op's kernel size: its kernel_shape, or for a
// convolution without one its weight's spatial dimensions.
func (m *Model) window(n *Node) ([2]int, error) {
	if _, ok := n.Attrs["kernel_shape"]; ok || n.OpType != "Conv" && n.OpType != "ConvTranspose" {
		return spatial(n, "kernel_shape", 1)
	}
	if len(n.Inputs) > 1 {
		if w := m.Initializers[n.Inputs[1]]; w != nil && len(w.Dims) == 4 {
			return [2]int{int(w.Dims[2]), int(w.Dims[3])}, nil
		}
	}
	return [2]int{}, fmt.Errorf("no kernel_shape and no constant weight to read it from")
}
