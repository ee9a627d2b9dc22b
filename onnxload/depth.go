package onnxload

import "fmt"

// Computed lists, in graph order, the node outputs that depend on the
// graph input and lead to the declared outputs: the layers a user can
// invert, read from the node list alone (no build, so a model whose later
// nodes invrep cannot build still has depths for its early ones).
func (m *Model) Computed() []string {
	live := map[string]bool{}
	for _, in := range m.Inputs {
		live[in.Name] = true
	}
	for _, n := range m.Nodes {
		for _, in := range n.Inputs {
			if live[in] {
				for _, o := range n.Outputs {
					if o != "" {
						live[o] = true
					}
				}
				break
			}
		}
	}
	used := map[string]bool{}
	for _, o := range m.Outputs {
		used[o] = true
	}
	for i := len(m.Nodes) - 1; i >= 0; i-- {
		n := m.Nodes[i]
		reached := false
		for _, o := range n.Outputs {
			reached = reached || used[o]
		}
		if reached {
			for _, in := range n.Inputs {
				used[in] = true
			}
		}
	}
	var out []string
	for _, n := range m.Nodes {
		for _, o := range n.Outputs {
			if o != "" && live[o] && used[o] {
				out = append(out, o)
			}
		}
	}
	return out
}

// Depth is a layer's position among Computed(), from 1/n for the first to
// 1 for the last: the paper's regularisation weights grow with it. A
// value that depends on the input but leads to no output counts as the
// deepest.
func (m *Model) Depth(layer string) (float64, error) {
	if i, of, ok := m.Position(layer); ok {
		return float64(i) / float64(of), nil
	}
	for _, n := range m.Nodes {
		for _, o := range n.Outputs {
			if o == layer {
				return 1, nil
			}
		}
	}
	for _, in := range m.Inputs {
		if in.Name == layer {
			return 0, fmt.Errorf("%s: %q is the model's input, not a layer", m.where(), layer)
		}
	}
	return 0, m.unknownValue(layer)
}

// Position is a layer's place among Computed(): its index from 1, of how
// many; ok is false for a value that is not among them.
func (m *Model) Position(layer string) (index, of int, ok bool) {
	computed := m.Computed()
	for i, name := range computed {
		if name == layer {
			return i + 1, len(computed), true
		}
	}
	return 0, len(computed), false
}
