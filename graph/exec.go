package graph

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph/scratch"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// schedule runs a compiled graph: gorgonia builds the expression graph and
// its symbolic gradient (gorgonia.Grad), and the nodes then run in
// topological order, each op's Do on its children's values. Gorgonia's own
// tape machine does the same, but compiling it scans its whole register
// map for every value an instruction reads, so setup grew with the square
// of the node count (10,000 nodes: 10 s); this schedule is linear to build.
// Every op here either is invrep's (kernels keep their own buffers) or
// gorgonia's gradient sum, which the vector engine serves.
type schedule struct {
	nodes []*gorgonia.Node
	args  [][]int // per node, its children's positions
	index map[*gorgonia.Node]int
	vals  []gorgonia.Value
	input int
	// release lists, per node, the lent values whose last reader it is:
	// their buffers go back to scratch once it has run, for values
	// computed later. Kept for the whole run, the backward pass held as
	// much memory as the activations again (PyTorch frees each gradient
	// once used).
	release [][]int
	// lent holds the scratch buffer a gradient sum (gorgonia's, not a
	// kernel's) writes into, from its run to its last reader's; nil for
	// sums kept past the run (they write into their value of the run
	// before).
	lent    [][]float32
	lending []bool
}

// lend makes the values that nothing reads after the run (not in keep),
// the ops' and their gradients', borrow their buffers from the pool and
// return them after their last reader (a gradient counting as a reader
// only of the values it reads, see GradReader).
func (s *schedule) lend(keep ...*gorgonia.Node) {
	kept := map[int]bool{}
	for _, n := range keep {
		if i, ok := s.index[n]; ok {
			kept[i] = true
		}
	}
	last := make([]int, len(s.nodes))
	for i := range last {
		last[i] = -1
	}
	for i, args := range s.args {
		g, isGrad := s.nodes[i].Op().(*gradOp)
		for p, j := range args {
			// A gradient's children are the op's inputs, its output and
			// the output's gradient; it holds only those it reads.
			if isGrad && p < len(args)-1 {
				v := p
				if p == len(args)-2 {
					v = -1
				}
				if !gradReads(g.fwd.k, g.i, v) {
					continue
				}
			}
			last[j] = max(last[j], i)
		}
	}
	s.release = make([][]int, len(s.nodes))
	s.lent, s.lending = make([][]float32, len(s.nodes)), make([]bool, len(s.nodes))
	for j, n := range s.nodes {
		if kept[j] || last[j] < 0 {
			continue
		}
		switch op := n.Op().(type) {
		case interface{ buffer() *reused }:
			op.buffer().lent = true
		case gorgonia.UsePreallocDoer:
			if n.Shape().IsScalar() {
				continue
			}
			s.lending[j] = true
		default:
			continue
		}
		s.release[last[j]] = append(s.release[last[j]], j)
	}
}

// PoisonLent, set by tests, fills every buffer given back with NaN, so
// that a kernel reading a value after its last declared reader (a
// GradReader that reads more than it says) turns its results into NaN.
var PoisonLent = false

// free returns node j's buffer once its last reader has run.
func (s *schedule) free(j int) {
	var b []float32
	if o, ok := s.nodes[j].Op().(interface{ buffer() *reused }); ok {
		b = o.buffer().giveBack()
	} else {
		b, s.lent[j] = s.lent[j], nil
	}
	if PoisonLent {
		nan := float32(math.NaN())
		for i := range b {
			b[i] = nan
		}
	}
	scratch.Give(b)
}

func newSchedule(g *gorgonia.ExprGraph, input *gorgonia.Node) (*schedule, error) {
	sorted, err := gorgonia.Sort(g)
	if err != nil {
		return nil, err
	}
	s := &schedule{index: map[*gorgonia.Node]int{}}
	for i := len(sorted) - 1; i >= 0; i-- { // Sort lists consumers first
		n := sorted[i]
		s.index[n] = len(s.nodes)
		s.nodes = append(s.nodes, n)
	}
	s.args = make([][]int, len(s.nodes))
	for i, n := range s.nodes {
		it := g.From(n.ID())
		for it.Next() {
			c, ok := it.Node().(*gorgonia.Node)
			if !ok {
				return nil, fmt.Errorf("node %v: a child of unexpected type %T", n, it.Node())
			}
			j, ok := s.index[c]
			if !ok || j >= i {
				return nil, fmt.Errorf("node %v: child %v is not scheduled before it", n, c)
			}
			s.args[i] = append(s.args[i], j)
		}
	}
	in, ok := s.index[input]
	if !ok {
		return nil, fmt.Errorf("the input %v is not in the graph", input)
	}
	s.input = in
	s.vals = make([]gorgonia.Value, len(s.nodes))
	return s, nil
}

// run evaluates every node at input x.
func (s *schedule) run(x gorgonia.Value) error {
	args := make([]gorgonia.Value, 0, 8)
	for i, n := range s.nodes {
		op := n.Op()
		switch {
		case i == s.input:
			s.vals[i] = x
			continue
		case op == nil: // a constant bound at build time
			s.vals[i] = n.Value()
			continue
		}
		args = args[:0]
		for _, j := range s.args[i] {
			args = append(args, s.vals[j])
		}
		v, err := s.do(i, op, args)
		if err != nil {
			return fmt.Errorf("%v: %w", op, err)
		}
		s.vals[i] = v
		for _, j := range s.release[i] {
			s.free(j)
		}
	}
	return nil
}

// do runs node i's op on args. Gorgonia's gradient sums return a new
// tensor from every Do; from the second run on they write into the one of
// the run before (UsePreallocDo), which nothing else holds: the fresh
// tensor and its copy of a whole feature map per sum cost ResNet-50 (a
// sum per residual block) 10 ms a step.
func (s *schedule) do(i int, op gorgonia.Op, args []gorgonia.Value) (gorgonia.Value, error) {
	switch op.(type) {
	case *gop, *gradOp: // invrep's kernels keep their own buffers
		return op.Do(args...)
	}
	if pd, ok := op.(gorgonia.UsePreallocDoer); ok {
		if s.lending[i] {
			shape := s.nodes[i].Shape()
			s.lent[i] = scratch.Take(shape.TotalSize())
			return pd.UsePreallocDo(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(s.lent[i]), tensor.WithEngine(addEngine{})), args...)
		}
		if prev, ok := s.vals[i].(*tensor.Dense); ok && !prev.Shape().IsScalar() && !prev.IsView() {
			return pd.UsePreallocDo(prev, args...)
		}
	}
	return op.Do(args...)
}

// value returns node n's value from the last run.
func (s *schedule) value(n *gorgonia.Node) gorgonia.Value {
	if i, ok := s.index[n]; ok {
		return s.vals[i]
	}
	return nil
}
