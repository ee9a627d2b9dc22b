package onnxload

import (
	"fmt"
	"regexp"
	"strings"
)

// Module is a module of the exporting framework, recovered from the scoped
// node names PyTorch (and tf2onnx, Paddle2ONNX) write, e.g. the nodes
// /features/features.5/block/block.2/Add form module features.5.block.2.
type Module struct {
	Path   string // as the user wrote it in PyTorch: features.5.block.2
	Output string // the output of the module's last computed node
	Nodes  int
}

// scopes splits a node name into its scope components: the name without
// its last part ("/features/features.5/Add" → features, features.5).
func scopes(name string) []string {
	parts := strings.Split(strings.Trim(name, "/"), "/")
	if len(parts) <= 1 {
		return nil
	}
	return parts[:len(parts)-1]
}

// dotted joins scope components into a module path: a component that
// extends the previous one ("features" then "features.5", a container's
// child) replaces it.
func dotted(comps []string) string {
	var out []string
	for _, c := range comps {
		if n := len(out); n > 0 && strings.HasPrefix(c, out[n-1]+".") {
			out[n-1] = c
			continue
		}
		out = append(out, c)
	}
	return strings.Join(out, ".")
}

// Modules lists the modules found in node names, in the order their first
// computed nodes come, each with the value its last computed node produces.
func (m *Model) Modules() []Module {
	computed := map[string]bool{}
	for _, o := range m.Computed() {
		computed[o] = true
	}
	index := map[string]int{}
	var out []Module
	for _, n := range m.Nodes {
		if len(n.Outputs) == 0 || !computed[n.Outputs[0]] {
			continue
		}
		comps := scopes(n.Name)
		for k := 1; k <= len(comps); k++ {
			p := dotted(comps[:k])
			i, ok := index[p]
			if !ok {
				i = len(out)
				index[p] = i
				out = append(out, Module{Path: p})
			}
			out[i].Output = n.Outputs[0]
			out[i].Nodes++
		}
	}
	return out
}

// Resolve maps a name as a user gives it to a node output: an output name
// as it is, a node's name to its first output, a module path (PyTorch's
// features.5, or a scope prefix such as /features/features.5) to the
// output of the module's last computed node.
func (m *Model) Resolve(name string) (string, error) {
	for _, n := range m.Nodes {
		for _, o := range n.Outputs {
			if o == name {
				return name, nil
			}
		}
	}
	for _, in := range m.Inputs {
		if in.Name == name {
			return name, nil
		}
	}
	for _, n := range m.Nodes {
		if n.Name == name && len(n.Outputs) > 0 {
			return n.Outputs[0], nil
		}
	}
	want := strings.Trim(name, "/")
	for _, mod := range m.Modules() {
		if mod.Path == want {
			return mod.Output, nil
		}
	}
	// A scope prefix as written in node names.
	if strings.Contains(want, "/") {
		if out := m.scopeOutput(want); out != "" {
			return out, nil
		}
	}
	return "", m.unknownName(name)
}

func (m *Model) scopeOutput(prefix string) string {
	computed := map[string]bool{}
	for _, o := range m.Computed() {
		computed[o] = true
	}
	out := ""
	for _, n := range m.Nodes {
		if len(n.Outputs) > 0 && computed[n.Outputs[0]] && strings.HasPrefix(strings.Trim(n.Name, "/")+"/", prefix+"/") {
			out = n.Outputs[0]
		}
	}
	return out
}

func (m *Model) unknownName(name string) error {
	cands := m.ValueNames()
	for _, n := range m.Nodes {
		if n.Name != "" {
			cands = append(cands, n.Name)
		}
	}
	mods := m.Modules()
	for _, mod := range mods {
		cands = append(cands, mod.Path)
	}
	msg := fmt.Sprintf("%s: no node output, node or module named %q", m.where(), name)
	if len(mods) == 0 && modulePath.MatchString(name) {
		// Spelling would match features.7 to fire7, another layer.
		msg += "; it reads as a module path, but this model's node names carry none (PyTorch exports keep them from version 1.13), so give a node output instead"
	} else if close := Closest(name, cands, 3); len(close) > 0 {
		msg += "; closest: " + strings.Join(close, ", ")
	}
	return &NameError{msg: msg, Modules: len(mods) > 0}
}

// modulePath is how a PyTorch module path looks (features.7, layer3.1.conv2).
var modulePath = regexp.MustCompile(`^[A-Za-z_]\w*(\.\w+)+$`)
