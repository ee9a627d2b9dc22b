package onnxload

import (
	"fmt"

	onnx "github.com/owulveryck/onnx-go"
	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/simple"
)

// backend receives what onnx-go's decoder reports. It keeps every edge the
// decoder sets (a simple graph would keep one per node pair and lose the
// second input of Mul(x, x)) and records each operation in graph order.
type backend struct {
	*simple.WeightedDirectedGraph
	nodes   map[int64]*wnode
	pending []edge
	ops     []Node
}

type wnode struct {
	id   int64
	name string
}

type edge struct {
	from, to int64
	index    int
}

func (n *wnode) ID() int64        { return n.id }
func (n *wnode) SetName(s string) { n.name = s }
func (n *wnode) GetName() string  { return n.name }

type wedge struct {
	graph.WeightedEdge
}

func newBackend() *backend {
	return &backend{WeightedDirectedGraph: simple.NewWeightedDirectedGraph(0, 0), nodes: map[int64]*wnode{}}
}

func (b *backend) NewNode() graph.Node {
	n := &wnode{id: b.WeightedDirectedGraph.NewNode().ID()}
	return n
}

func (b *backend) AddNode(n graph.Node) {
	if w, ok := n.(*wnode); ok {
		b.nodes[w.id] = w
	}
	b.WeightedDirectedGraph.AddNode(n)
}

func (b *backend) SetWeightedEdge(e graph.WeightedEdge) {
	b.pending = append(b.pending, edge{from: e.From().ID(), to: e.To().ID(), index: int(e.Weight())})
}

func (b *backend) ApplyOperation(op onnx.Operation, outputs ...graph.Node) error {
	if len(outputs) == 0 {
		return fmt.Errorf("%s node without outputs", op.Name)
	}
	n := Node{OpType: op.Name, Attrs: map[string]any{}}
	for _, o := range outputs {
		n.Outputs = append(n.Outputs, b.nodes[o.ID()].name)
	}
	first := outputs[0].ID()
	for _, e := range b.pending {
		if e.from != first {
			continue
		}
		for len(n.Inputs) <= e.index {
			n.Inputs = append(n.Inputs, "")
		}
		n.Inputs[e.index] = b.nodes[e.to].name
	}
	b.pending = b.pending[:0]
	for k, v := range op.Attributes {
		a, err := convertAttr(v)
		if err != nil {
			return fmt.Errorf("%s node %q: attribute %s: %w", op.Name, n.Outputs[0], k, err)
		}
		n.Attrs[k] = a
	}
	b.ops = append(b.ops, n)
	return nil
}

// convertAttr keeps the plain attribute kinds; tensors and subgraphs never
// reach onnx-go (stripForDecoder removes them; readHeader reads them).
func convertAttr(v any) (any, error) {
	switch v := v.(type) {
	case int64, float32, string, []int64, []float32, []string:
		return v, nil
	case struct{}:
		return nil, nil
	}
	return nil, fmt.Errorf("unsupported attribute type %T", v)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
