package onnxload

// A node output of a quantised model may hold integers: a QuantizeLinear's,
// a QLinear op's, and what MaxPool, Reshape and their kind pass on from
// one. As features those integers carry the zero point (often 128), so a
// relative error measured on them is shrunk by that offset: an inversion
// of a uint8 layer reported 0.0003 where the dequantised error is far
// larger. Truncated dequantises such a layer, (q − zero)·scale, so that
// the objective sees the values the float model would.

// yParams gives, per op that writes integers, the inputs holding its
// output's scale and zero point.
var yParams = map[string][2]int{
	"QuantizeLinear": {1, 2}, msDomain + "QuantizeLinear": {1, 2},
	"QLinearConv": {6, 7}, "QLinearMatMul": {6, 7},
	msDomain + "QLinearAdd": {6, 7}, msDomain + "QLinearMul": {6, 7},
	msDomain + "QLinearSigmoid": {3, 4}, msDomain + "QLinearLeakyRelu": {3, 4},
	msDomain + "QLinearAveragePool": {3, 4}, msDomain + "QLinearGlobalAveragePool": {3, 4},
	msDomain + "QLinearSoftmax": {3, 4}, msDomain + "QLinearConcat": {0, 1}, msDomain + "QGemm": {7, 8},
}

// passInts are ops that move integers without changing their scale.
var passInts = map[string]bool{
	"MaxPool": true, "Reshape": true, "Flatten": true, "Transpose": true, "Squeeze": true,
	"Unsqueeze": true, "Slice": true, "Gather": true, "Identity": true, "Resize": true,
	"SpaceToDepth": true, "DepthToSpace": true, "Split": true, "Pad": true,
}

// integerCode returns the node whose inputs hold the scale and zero point
// of the integers in value name, with their input positions; ok is false
// where name holds no quantiser's integers (or the float twin is built).
func (m *Model) integerCode(name string) (n *Node, scale, zero int, ok bool) {
	if m.Dequantized {
		return nil, 0, 0, false
	}
	producer := map[string]*Node{}
	for i := range m.Nodes {
		for _, o := range m.Nodes[i].Outputs {
			producer[o] = &m.Nodes[i]
		}
	}
	for hops := 0; hops < 64; hops++ {
		n = producer[name]
		if n == nil || len(n.Outputs) == 0 {
			return nil, 0, 0, false
		}
		if p, has := yParams[n.OpType]; has && n.Outputs[0] == name {
			if p[0] >= len(n.Inputs) || n.Inputs[p[0]] == "" {
				return nil, 0, 0, false // QGemm without y_scale writes floats
			}
			return n, p[0], p[1], true
		}
		if !passInts[n.OpType] || len(n.Inputs) == 0 {
			return nil, 0, 0, false
		}
		name = n.Inputs[0]
	}
	return nil, 0, 0, false
}
