package onnxload

// A QDQ file says "dequantise, compute in float, quantise again" around
// each op, but onnxruntime does not run it that way: its graph optimiser
// (on by default) replaces each DequantizeLinear → op → QuantizeLinear
// group with the op's integer form (QLinearConv, QLinearMatMul, QGemm,
// com.microsoft QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu,
// QLinearAveragePool, QLinearGlobalAveragePool, QLinearSoftmax,
// QLinearConcat), whose integer accumulators are exact where the float
// op's sums round. The two disagree on values that sit on a rounding
// boundary, and depth spreads the difference (ResNet-50's logits 2e-2
// apart, onnxruntime against itself with its optimiser off). invrep
// follows what the runtime users deploy on runs: the same groups, chosen
// by onnxruntime's rules, built as the QOperator ops in ops_qoperator.go.
// Ops onnxruntime only passes integers through (MaxPool, Reshape,
// Transpose …) compute the same in float, so they are left as written.

// qdqTargets maps an op that onnxruntime fuses with the quantisers around
// it to its integer form, and the number of DequantizeLinear inputs it
// takes (−1: every input).
var qdqTargets = map[string]struct {
	op     string
	inputs int
}{
	"Conv":              {"QLinearConv", -1},
	"MatMul":            {"QLinearMatMul", 2},
	"Gemm":              {msDomain + "QGemm", -1},
	"Add":               {msDomain + "QLinearAdd", 2},
	"Mul":               {msDomain + "QLinearMul", 2},
	"Sigmoid":           {msDomain + "QLinearSigmoid", 1},
	"LeakyRelu":         {msDomain + "QLinearLeakyRelu", 1},
	"AveragePool":       {msDomain + "QLinearAveragePool", 1},
	"GlobalAveragePool": {msDomain + "QLinearGlobalAveragePool", 1},
	"Softmax":           {msDomain + "QLinearSoftmax", 1},
	"Concat":            {msDomain + "QLinearConcat", -1},
}

// qdqGroup is one planned group: the nodes it replaces and the QOperator
// node built in their place, at the position of the group's last node.
type qdqGroup struct {
	absorbed []*Node
	last     *Node
	node     *Node
}

// planQDQ adds onnxruntime's QDQ groups among the needed nodes to p.
func (v *graphView) planQDQ(p fusionPlan) {
	if v.m.Dequantized {
		return // the float twin has no integers to fuse
	}
	declared := map[string]bool{}
	for _, o := range v.m.Outputs {
		declared[o] = true
	}
	planned := false
	for i := range v.m.Nodes {
		t := &v.m.Nodes[i]
		if v.producer[firstOutput(t)] != t || p.absorbed[t] || p.chains[t] != nil {
			continue
		}
		g := v.qdqGroup(t, declared)
		if g == nil {
			continue
		}
		for _, n := range g.absorbed {
			p.absorbed[n] = true
			delete(p.convRelu, n)
		}
		p.qlinear[g.last] = g.node
		planned = true
	}
	if !planned {
		return
	}
	// A DequantizeLinear read only by fused ops is not needed any more.
	absorbedReads := map[string]int{}
	for n := range p.absorbed {
		for _, in := range n.Inputs {
			absorbedReads[in]++
		}
	}
	for i := range v.m.Nodes {
		n := &v.m.Nodes[i]
		if n.OpType != "DequantizeLinear" || v.producer[firstOutput(n)] != n {
			continue
		}
		if o := n.Outputs[0]; absorbedReads[o] > 0 && absorbedReads[o] == v.readers[o] {
			p.absorbed[n] = true
		}
	}
}

func firstOutput(n *Node) string {
	if len(n.Outputs) == 0 {
		return ""
	}
	return n.Outputs[0]
}

// qdqGroup returns the group whose op is t, or nil where onnxruntime would
// leave t in float: its float inputs must all be dequantised integers of
// 8 bits, its one output read only by a quantiser (through a Relu the
// quantiser makes redundant), and every scale and zero point a constant.
func (v *graphView) qdqGroup(t *Node, declared map[string]bool) *qdqGroup {
	target, ok := qdqTargets[t.OpType]
	if !ok || len(t.Outputs) != 1 || declared[t.Outputs[0]] {
		return nil
	}
	var ins []string
	for _, in := range t.Inputs {
		if in != "" {
			ins = append(ins, in)
		}
	}
	if len(ins) == 0 || (target.inputs > 0 && len(ins) != target.inputs) || len(ins) != len(t.Inputs) && t.OpType != "Gemm" {
		return nil
	}
	dqs := make([]*Node, len(ins))
	types := make([]int64, len(ins))
	for k, in := range ins {
		if dqs[k] = v.dequantiser(in, declared); dqs[k] == nil {
			return nil
		}
		types[k] = v.quantType(dqs[k].Inputs[0])
	}
	q, relu := v.quantiserAfter(t)
	if q == nil && t.OpType != "Gemm" {
		return nil
	}
	var qt int64
	if q != nil {
		qt = v.quantType(q.Outputs[0])
	}
	act := types[0]
	if act != dtUint8 && act != dtInt8 || q != nil && qt != act {
		return nil
	}
	g := &qdqGroup{last: t} // a QGemm with a float output stands in t's place
	if q != nil {
		g.absorbed, g.last = []*Node{t}, q
		if relu != nil {
			g.absorbed = append(g.absorbed, relu)
		}
	}
	dq := func(k int) []string { return dqInputs(dqs[k]) }
	var in []string
	switch t.OpType {
	case "Conv", "MatMul", "Gemm":
		w := types[1]
		if w != dtUint8 && w != dtInt8 || act == dtInt8 && w != dtInt8 || !v.perTensor(dqs[0]) {
			return nil
		}
		if t.OpType != "Gemm" {
			in = append(append(dq(0), dq(1)...), q.Inputs[1], q.Inputs[2])
			if len(ins) == 3 {
				if types[2] != dtInt32 {
					return nil
				}
				in = append(in, dqs[2].Inputs[0])
			}
			break
		}
		in = append(dq(0), dq(1)...)
		if len(t.Inputs) > 2 && t.Inputs[2] != "" {
			if beta, err := attrFloat(t, "beta", 1); err != nil || beta != 1 || types[len(types)-1] != dtInt32 {
				return nil
			}
			in = append(in, dqs[2].Inputs[0])
		} else {
			in = append(in, "")
		}
		if q != nil {
			in = append(in, q.Inputs[1], q.Inputs[2])
		}
	case "Add", "Mul":
		if types[1] != act || !v.perTensor(dqs[0]) || !v.perTensor(dqs[1]) {
			return nil
		}
		in = append(append(dq(0), dq(1)...), q.Inputs[1], q.Inputs[2])
	case "Concat":
		in = []string{q.Inputs[1], q.Inputs[2]}
		for k := range dqs {
			if types[k] != act || !v.perTensor(dqs[k]) {
				return nil
			}
			in = append(in, dq(k)...)
		}
	default: // the unary ops
		if !v.perTensor(dqs[0]) {
			return nil
		}
		in = append(dq(0), q.Inputs[1], q.Inputs[2])
	}
	if q != nil && !v.perTensor(q) {
		return nil
	}
	attrs := map[string]any{}
	for k, a := range t.Attrs {
		attrs[k] = a
	}
	if t.OpType == "Softmax" {
		if act != dtUint8 {
			return nil // onnxruntime's QLinearSoftmax here takes uint8
		}
		attrs["opset"] = v.m.Opset
	}
	out := t.Outputs
	if q != nil {
		out = q.Outputs
	}
	g.node = &Node{Name: t.Name, OpType: target.op, Inputs: in, Outputs: out, Attrs: attrs}
	return g
}

// dqInputs is a DequantizeLinear's integer input, scale and zero point
// ("" where the zero point is left out).
func dqInputs(dq *Node) []string {
	in := []string{dq.Inputs[0], dq.Inputs[1], ""}
	if len(dq.Inputs) > 2 {
		in[2] = dq.Inputs[2]
	}
	return in
}

// dequantiser returns the DequantizeLinear producing name, when its scale
// and zero point are stored constants, it is not blocked, and its output is
// not one of the file's outputs.
func (v *graphView) dequantiser(name string, declared map[string]bool) *Node {
	n := v.producer[name]
	if n == nil || n.OpType != "DequantizeLinear" || declared[name] || len(n.Inputs) < 2 {
		return nil
	}
	if bs, _ := attrInt(n, "block_size", 0); bs != 0 {
		return nil
	}
	if !v.constants(n) {
		return nil
	}
	return n
}

// quantiserAfter returns the QuantizeLinear that alone reads t's output,
// directly or through a Relu it makes redundant (its zero point the
// lowest integer, so its clamp at zero is the Relu), with that Relu.
func (v *graphView) quantiserAfter(t *Node) (q, relu *Node) {
	if q = v.reader(t, "QuantizeLinear"); q == nil {
		if relu = v.reader(t, "Relu"); relu == nil {
			return nil, nil
		}
		if q = v.reader(relu, "QuantizeLinear"); q == nil {
			return nil, nil
		}
	}
	if len(q.Inputs) < 2 || !v.constants(q) {
		return nil, nil
	}
	if bs, _ := attrInt(q, "block_size", 0); bs != 0 {
		return nil, nil
	}
	if relu != nil {
		lo, _, err := quantRange(v.quantType(q.Outputs[0]))
		z, ok := float64(0), true
		if len(q.Inputs) > 2 && q.Inputs[2] != "" {
			z, ok = v.scalar(q.Inputs[2])
		}
		if err != nil || !ok || z != float64(lo) {
			return nil, nil
		}
	}
	return q, relu
}

// constants reports whether a quantiser's scale and zero point are stored
// in the file.
func (v *graphView) constants(n *Node) bool {
	for k := 1; k < len(n.Inputs) && k < 3; k++ {
		if n.Inputs[k] != "" && v.constant(n.Inputs[k]) == nil {
			return false
		}
	}
	return true
}

// perTensor reports whether a quantiser has one scale.
func (v *graphView) perTensor(n *Node) bool {
	s := v.constant(n.Inputs[1])
	return s != nil && s.Numel() == 1
}

// quantType is the element type of a quantised value: a stored tensor's,
// or what the QuantizeLinear writing it makes (its zero point's type,
// else its output_dtype, else uint8); 0 when unknown.
func (v *graphView) quantType(name string) int64 {
	if t := v.constant(name); t != nil {
		return int64(t.DataType)
	}
	n := v.producer[name]
	if n == nil || n.OpType != "QuantizeLinear" {
		return 0
	}
	if len(n.Inputs) > 2 && n.Inputs[2] != "" {
		if z := v.constant(n.Inputs[2]); z != nil {
			return int64(z.DataType)
		}
		return 0
	}
	if dt, _ := attrInt(n, "output_dtype", 0); dt != 0 {
		return dt
	}
	return dtUint8
}
