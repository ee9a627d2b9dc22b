package onnxload

import (
	"fmt"
	"math/rand"

	"github.com/invrep/invrep/graph"
)

// fixture builds tiny ONNX models in Go: the project's own test models, one
// per op and per opset form. They go through Encode and Decode (onnx-go), so
// every test exercises the real loading path.
type fixture struct {
	m   *Model
	rng *rand.Rand
	n   int
}

func newFixture(opset int64, input ...int) *fixture {
	vi := ValueInfo{Name: "x", ElemType: dtFloat}
	for _, d := range input {
		if d < 0 { // symbolic
			vi.Dims = append(vi.Dims, 0)
			vi.Params = append(vi.Params, "N")
		} else {
			vi.Dims = append(vi.Dims, int64(d))
			vi.Params = append(vi.Params, "")
		}
	}
	return &fixture{
		m:   &Model{Opset: opset, Inputs: []ValueInfo{vi}, Initializers: map[string]*Tensor{}},
		rng: rand.New(rand.NewSource(opset)),
	}
}

// weight adds a random float initializer.
func (f *fixture) weight(shape ...int64) string {
	f.n++
	name := fmt.Sprintf("w%d", f.n)
	t := &Tensor{Dims: shape}
	for i := int64(0); i < t.Numel(); i++ {
		t.Float = append(t.Float, float32(f.rng.NormFloat64()))
	}
	f.m.Initializers[name] = t
	return name
}

// floats adds a float initializer with the given values and dims.
func (f *fixture) floats(dims []int64, v ...float32) string {
	f.n++
	name := fmt.Sprintf("f%d", f.n)
	f.m.Initializers[name] = &Tensor{Dims: dims, Float: v}
	return name
}

// ints adds a 1-D int64 initializer.
func (f *fixture) ints(v ...int64) string {
	f.n++
	name := fmt.Sprintf("i%d", f.n)
	f.m.Initializers[name] = &Tensor{Dims: []int64{int64(len(v))}, Int: v, IsInt: true}
	return name
}

// node appends a node and returns its (first) output name.
func (f *fixture) node(op string, inputs []string, attrs map[string]any, nOut ...int) string {
	f.n++
	out := fmt.Sprintf("%s_%d", op, f.n)
	outs := []string{out}
	if len(nOut) > 0 {
		for k := 1; k < nOut[0]; k++ {
			outs = append(outs, fmt.Sprintf("%s_%d_%d", op, f.n, k))
		}
	}
	if attrs == nil {
		attrs = map[string]any{}
	}
	f.m.Nodes = append(f.m.Nodes, Node{Name: fmt.Sprintf("n%d", f.n), OpType: op, Inputs: inputs, Outputs: outs, Attrs: attrs})
	return out
}

// model encodes and decodes the fixture with the given outputs.
func (f *fixture) model(outputs ...string) (*Model, error) {
	f.m.Outputs = outputs
	b, err := f.m.Encode()
	if err != nil {
		return nil, err
	}
	return Decode(b)
}

// eval builds m to output and runs it at x.
func eval(m *Model, output string, x *graph.Tensor) (*graph.Tensor, error) {
	net, err := m.Build(Options{Outputs: []string{output}, InputShape: x.Shape})
	if err != nil {
		return nil, err
	}
	return net.Graph.Evaluate(net.Outputs[output], x)
}

// direct computes the same thing with the graph API (whose ops are checked
// against float64 references in package graph).
func direct(x *graph.Tensor, build func(g *graph.Graph, x *graph.Node) (*graph.Node, error)) (*graph.Tensor, error) {
	g := graph.New()
	in, err := g.Input("x", x.Shape...)
	if err != nil {
		return nil, err
	}
	y, err := build(g, in)
	if err != nil {
		return nil, err
	}
	return g.Evaluate(y, x)
}

func randInput(seed int64, shape ...int) *graph.Tensor {
	rng := rand.New(rand.NewSource(seed))
	t := graph.NewTensor(shape...)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

func (f *fixture) init(name string) *graph.Tensor {
	t, _ := floatTensor(f.m.Initializers[name])
	return t
}
