package onnxload

import (
	"errors"
	"math"

	"github.com/invrep/invrep/graph"
)

// Exporters spell some layers as chains of small ops: LayerNorm below
// opset 17 as ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div (then Mul
// and Add by its weights), GELU below opset 20 as Div, Erf, Add, Mul, Mul,
// SiLU as Sigmoid and Mul.
// Built op by op, each link is a pass over memory forward and two back;
// the planner finds such chains among the needed nodes and builds each as
// one graph op at its last node, the others absorbed. A chain whose inner
// values are read elsewhere, or asked for, is built as it is written.

// chain is one fused pattern: built at its last node from its input.
type chain struct {
	kind        string // "LayerNorm", "Gelu" or "SiLU"
	input       string
	eps         float64
	scale, bias string // LayerNorm's weights, "" when absent
}

// fusionPlan says how the needed nodes are built: Conv nodes that take
// the Relu reading them (ConvRelu), nodes absorbed into a chain, and the
// chains by their last node.
type fusionPlan struct {
	convRelu map[*Node]bool
	absorbed map[*Node]bool
	chains   map[*Node]*chain
	// qlinear maps the last node of each QDQ group onnxruntime fuses to
	// the QOperator node built in the group's place (qdqfuse.go).
	qlinear map[*Node]*Node
}

// graphView answers the planner's questions about the needed nodes.
type graphView struct {
	m        *Model
	producer map[string]*Node
	readers  map[string]int
}

func newView(m *Model, need []bool, outputs []string) *graphView {
	v := &graphView{m: m, producer: map[string]*Node{}, readers: map[string]int{}}
	for i := range m.Nodes {
		if !need[i] {
			continue
		}
		n := &m.Nodes[i]
		for _, o := range n.Outputs {
			v.producer[o] = n
		}
		for _, in := range n.Inputs {
			v.readers[in]++
		}
	}
	for _, o := range outputs {
		v.readers[o]++ // an output is read by the caller
	}
	return v
}

// only returns the node producing name when it has op type op and its
// output is read once (by the chain).
func (v *graphView) only(name, op string) *Node {
	n := v.producer[name]
	if n == nil || n.OpType != op || v.readers[name] != 1 || len(n.Outputs) != 1 || len(n.Inputs) == 0 {
		return nil
	}
	return n
}

// constant returns the tensor behind name when it is stored in the file:
// an initializer, a Constant node's value, or either through Identity
// nodes (PyTorch exports shared weights that way).
func (v *graphView) constant(name string) *Tensor {
	for hops := 0; hops < 8; hops++ {
		if t := v.m.Initializers[name]; t != nil {
			return t
		}
		n := v.producer[name]
		switch {
		case n == nil:
			return nil
		case n.OpType == "Constant":
			t, _ := n.Attrs["value"].(*Tensor)
			return t
		case n.OpType == "Identity" && len(n.Inputs) == 1:
			name = n.Inputs[0]
		default:
			return nil
		}
	}
	return nil
}

// scalar returns a stored constant scalar's value.
func (v *graphView) scalar(name string) (float64, bool) {
	t := v.constant(name)
	if t == nil || t.Numel() != 1 {
		return 0, false
	}
	return t.at(0), true
}

// weight reports whether name is stored in the file (a layer's weights).
func (v *graphView) weight(name string) bool { return v.constant(name) != nil }

// operands returns a binary node's inputs with the one matching pick
// first: (it, other).
func operands(n *Node, pick func(string) bool) (string, string, bool) {
	if len(n.Inputs) != 2 {
		return "", "", false
	}
	switch {
	case pick(n.Inputs[0]):
		return n.Inputs[0], n.Inputs[1], true
	case pick(n.Inputs[1]):
		return n.Inputs[1], n.Inputs[0], true
	}
	return "", "", false
}

// lastAxis reports whether a reduction folds only the last axis, keeping it.
func (v *graphView) lastAxis(n *Node) bool {
	keep, err := attrInt(n, "keepdims", 1)
	if err != nil || keep == 0 {
		return false
	}
	axes, _, err := attrInts(n, "axes")
	if err == nil && axes == nil && len(n.Inputs) > 1 {
		if t := v.constant(n.Inputs[1]); t != nil {
			axes = t.Int
		}
	}
	return err == nil && len(axes) == 1 && axes[0] == -1
}

func planFusion(m *Model, need []bool, outputs []string) fusionPlan {
	v := newView(m, need, outputs)
	p := fusionPlan{convRelu: map[*Node]bool{}, absorbed: map[*Node]bool{}, chains: map[*Node]*chain{}, qlinear: map[*Node]*Node{}}
	for i := range m.Nodes {
		if !need[i] {
			continue
		}
		n := &m.Nodes[i]
		switch n.OpType {
		case "Relu":
			// A Conv or a BatchNormalization read only by a Relu becomes
			// one op with the Relu (ConvRelu, ChannelAffineRelu); the Relu
			// then passes its input through.
			if len(n.Inputs) == 1 {
				if c := v.only(n.Inputs[0], "Conv"); c != nil {
					p.convRelu[c], p.convRelu[n] = true, true
				} else if c := v.only(n.Inputs[0], "BatchNormalization"); c != nil {
					p.convRelu[c], p.convRelu[n] = true, true
				}
			}
		case "Div":
			if c, inner := v.layerNorm(n); c != nil {
				last := n
				// The weights that follow: Mul by the scale, Add the bias.
				if mul := v.reader(last, "Mul"); mul != nil {
					if _, w, ok := operands(mul, func(s string) bool { return s == last.Outputs[0] }); ok && v.weight(w) {
						c.scale, inner, last = w, append(inner, last), mul
						if add := v.reader(last, "Add"); add != nil {
							if _, w, ok := operands(add, func(s string) bool { return s == last.Outputs[0] }); ok && v.weight(w) {
								c.bias, inner, last = w, append(inner, last), add
							}
						}
					}
				}
				p.add(c, inner, last)
			}
		case "Mul":
			if c, inner := v.gelu(n); c != nil {
				p.add(c, inner, n)
			} else if c, inner := v.silu(n); c != nil {
				p.add(c, inner, n)
			}
		}
	}
	v.planQDQ(p)
	return p
}

func (p fusionPlan) add(c *chain, inner []*Node, last *Node) {
	for _, n := range inner {
		if p.absorbed[n] || p.chains[n] != nil {
			return // overlaps a chain already planned
		}
	}
	for _, n := range inner {
		p.absorbed[n] = true
	}
	p.chains[last] = c
}

// reader returns the single node of type op that reads n's output.
func (v *graphView) reader(n *Node, op string) *Node {
	if len(n.Outputs) != 1 || v.readers[n.Outputs[0]] != 1 {
		return nil
	}
	for i := range v.m.Nodes {
		r := &v.m.Nodes[i]
		for _, in := range r.Inputs {
			if in == n.Outputs[0] {
				if r.OpType == op && v.producer[r.Outputs[0]] == r {
					return r
				}
				return nil
			}
		}
	}
	return nil
}

// layerNorm matches Div(d, Sqrt(Add(ReduceMean(Pow(d, 2)), ε))) with
// d = Sub(x, ReduceMean(x)), both means over the last axis.
func (v *graphView) layerNorm(div *Node) (*chain, []*Node) {
	if len(div.Inputs) != 2 {
		return nil, nil
	}
	d, s := div.Inputs[0], div.Inputs[1]
	sub := v.producer[d]
	sq := v.only(s, "Sqrt")
	if sub == nil || sub.OpType != "Sub" || v.readers[d] != 2 || sq == nil || len(sub.Inputs) != 2 {
		return nil, nil
	}
	x := sub.Inputs[0]
	mean := v.only(sub.Inputs[1], "ReduceMean")
	if mean == nil || mean.Inputs[0] != x || !v.lastAxis(mean) {
		return nil, nil
	}
	add := v.only(sq.Inputs[0], "Add")
	if add == nil {
		return nil, nil
	}
	vr, epsName, ok := operands(add, func(s string) bool { return v.only(s, "ReduceMean") != nil })
	eps, isScalar := v.scalar(epsName)
	if !ok || !isScalar {
		return nil, nil
	}
	variance := v.only(vr, "ReduceMean")
	pow := v.only(variance.Inputs[0], "Pow")
	if !v.lastAxis(variance) || pow == nil || len(pow.Inputs) != 2 || pow.Inputs[0] != d {
		return nil, nil
	}
	if two, ok := v.scalar(pow.Inputs[1]); !ok || two != 2 {
		return nil, nil
	}
	return &chain{kind: "LayerNorm", input: x, eps: eps}, []*Node{mean, sub, pow, variance, add, sq}
}

// gelu matches Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5), operands of the
// commutative ops in either order.
func (v *graphView) gelu(half *Node) (*chain, []*Node) {
	mx, c, ok := operands(half, func(s string) bool { return v.only(s, "Mul") != nil })
	if h, isScalar := v.scalar(c); !ok || !isScalar || h != 0.5 {
		return nil, nil
	}
	mul := v.only(mx, "Mul")
	if len(mul.Inputs) != 2 {
		return nil, nil
	}
	var x string
	var add *Node
	for k := 0; k < 2 && add == nil; k++ {
		x, add = mul.Inputs[1-k], v.only(mul.Inputs[k], "Add")
	}
	if add == nil {
		return nil, nil
	}
	er, one, ok := operands(add, func(s string) bool { return v.only(s, "Erf") != nil })
	if o, isScalar := v.scalar(one); !ok || !isScalar || o != 1 {
		return nil, nil
	}
	erf := v.only(er, "Erf")
	div := v.only(erf.Inputs[0], "Div")
	if div == nil || len(div.Inputs) != 2 || div.Inputs[0] != x {
		return nil, nil
	}
	if r, ok := v.scalar(div.Inputs[1]); !ok || math.Abs(r-math.Sqrt2) > 1e-6 {
		return nil, nil
	}
	return &chain{kind: "Gelu", input: x}, []*Node{div, erf, add, mul}
}

// silu matches Mul(x, Sigmoid(x)) in either order: SiLU (Swish), as
// PyTorch exports nn.SiLU below opset 20 would not otherwise be fused.
func (v *graphView) silu(mul *Node) (*chain, []*Node) {
	if len(mul.Inputs) != 2 {
		return nil, nil
	}
	for k := 0; k < 2; k++ {
		x, s := mul.Inputs[1-k], mul.Inputs[k]
		if sig := v.only(s, "Sigmoid"); sig != nil && sig.Inputs[0] == x {
			return &chain{kind: "SiLU", input: x}, []*Node{sig}
		}
	}
	return nil, nil
}

// buildChain builds a planned chain as one op.
func (b *builder) buildChain(c *chain) ([]value, error) {
	in, ok := b.vals[c.input]
	if !ok || in.f == nil {
		return nil, errors.New("the fused chain's input is not a float value")
	}
	x := in.f
	switch c.kind {
	case "Gelu":
		return one(graph.Math(x, graph.FnGelu, 0, 0))
	case "SiLU":
		return one(graph.Math(x, graph.FnSiLU, 0, 0))
	case "LayerNorm":
		norm := x.Shape()[len(x.Shape())-1:]
		var w [2]*graph.Node
		for k, name := range []string{c.scale, c.bias} {
			if name == "" {
				continue
			}
			var err error
			if w[k], err = b.weightsOf(nil, []value{b.vals[name]}, 0, norm); err != nil {
				return nil, err
			}
		}
		// The chain computes in float32 with ε as stored.
		return one(graph.LayerNorm(x, -1, w[0], w[1], float64(float32(c.eps))))
	}
	return nil, errors.New("unknown chain " + c.kind)
}
