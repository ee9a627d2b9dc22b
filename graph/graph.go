package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"slices"
	"sync/atomic"
	"time"

	"github.com/chewxy/hm"
	"github.com/invrep/invrep/graph/scratch"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Graph is one differentiable computation with a single image-like input.
// Nodes derived from the input are "live" and become gorgonia nodes; nodes
// computed only from constants are folded on the host at build time, so the
// compiled program holds nothing but the input's forward path and, when asked
// for, its input gradient.
type Graph struct {
	g     *gorgonia.ExprGraph
	input *Node
	names map[string]int
	prof  *profile
	// foldCheck, when set, is asked before an op on constants is folded
	// into a new constant (SetFoldCheck).
	foldCheck func(shape []int) error
}

// SetFoldCheck makes every op applied to constants alone ask check before
// its result is allocated and computed: a model whose constants multiply
// into 14 GB is refused by check (a memory limit), not allocated first.
func (g *Graph) SetFoldCheck(check func(shape []int) error) { g.foldCheck = check }

// Node is a value in a Graph: either a build-time constant or a gorgonia node
// that depends on the input.
type Node struct {
	graph *Graph
	n     *gorgonia.Node // set for live nodes, and for constants once used by one
	c     *Tensor        // set for constants
	shape []int
	live  bool
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{g: gorgonia.NewGraph(), names: map[string]int{}, prof: &profile{}}
}

func (g *Graph) unique(name string) string {
	g.names[name]++
	if k := g.names[name]; k > 1 {
		return fmt.Sprintf("%s#%d", name, k)
	}
	return name
}

// Input declares the graph's input variable (the one gradients are taken
// with respect to). A graph has exactly one.
func (g *Graph) Input(name string, shape ...int) (*Node, error) {
	if g.input != nil {
		return nil, fmt.Errorf("graph already has an input %v", g.input.n.Name())
	}
	if len(shape) == 0 {
		return nil, fmt.Errorf("input %q: a scalar input is not supported", name)
	}
	for _, d := range shape {
		if d <= 0 {
			return nil, fmt.Errorf("input %q: shape %v has a non-positive dimension", name, shape)
		}
	}
	n := gorgonia.NewTensor(g.g, tensor.Float32, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName(g.unique(name)))
	g.input = &Node{graph: g, n: n, shape: append([]int(nil), shape...), live: true}
	return g.input, nil
}

// InputNode returns the input declared with Input, or nil.
func (g *Graph) InputNode() *Node { return g.input }

// Const wraps a tensor as a constant node. The tensor is not copied.
func (g *Graph) Const(t *Tensor) *Node {
	return &Node{graph: g, c: t, shape: append([]int(nil), t.Shape...)}
}

// Shape returns the node's static shape.
func (n *Node) Shape() []int { return append([]int(nil), n.shape...) }

// Live reports whether the node depends on the graph's input.
func (n *Node) Live() bool { return n.live }

// Constant returns the node's value when it is a build-time constant.
func (n *Node) Constant() (*Tensor, bool) { return n.c, n.c != nil }

// Graph returns the graph the node belongs to.
func (n *Node) Graph() *Graph { return n.graph }

func (n *Node) gnode() *gorgonia.Node {
	if n.n == nil {
		// Constants enter the gorgonia graph as input nodes that are bound
		// once; they are never differentiated, so no weight gradient is built.
		dense := tensor.New(tensor.WithShape(n.c.Shape...), tensor.WithBacking(n.c.Data))
		if len(n.c.Shape) == 0 {
			n.n = gorgonia.NewScalar(n.graph.g, tensor.Float32, gorgonia.WithValue(n.c.Data[0]), gorgonia.WithName(n.graph.unique("const")))
		} else {
			n.n = gorgonia.NewTensor(n.graph.g, tensor.Float32, len(n.c.Shape), gorgonia.WithShape(n.c.Shape...),
				gorgonia.WithValue(dense), gorgonia.WithName(n.graph.unique("const")))
		}
	}
	return n.n
}

// Kernel is one op's numeric core: a forward pass and the gradient with
// respect to each differentiable input. Kernels are pure: they keep no state
// between calls, so one kernel serves forward, backward and constant folding.
// A new op (a loss term, a custom layer) is a new Kernel, applied with Apply.
type Kernel interface {
	String() string
	// OutShape checks the input shapes and returns the output shape.
	OutShape(in [][]int) ([]int, error)
	Forward(in []*Tensor, out *Tensor)
	// Diffable reports whether Backward supports input i.
	Diffable(i int) bool
	// Backward writes d(loss)/d(in[i]) into gin (zeroed, shaped like in[i])
	// given gout = d(loss)/d(out).
	Backward(i int, in []*Tensor, out, gout, gin *Tensor)
}

// Overwriter is implemented by kernels that write every element of their
// output (grad false) or of the gradient of input i (grad true), whatever
// the data: their buffers need no clearing before each run.
type Overwriter interface {
	Overwrites(grad bool, i int) bool
}

// Passer is implemented by kernels whose gradient for input i is the
// output's gradient itself (an Add of operands of one shape): the
// gradient graph then uses the output gradient's node, not a copy of it.
// Kernels read their output gradient and never write it, so one value
// may serve as several gradients.
type Passer interface {
	PassesGrad(i int) bool
}

// GradReader is implemented by kernels whose gradient for input i reads
// the data of only some of the op's values (any gradient may read any
// value's shape): GradReads(i, j) for input j, j = −1 for the output. A
// value no gradient reads goes back to the pool once the forward pass is
// done with it, as PyTorch keeps only what autograd saved: kept for the
// backward pass, ConvNeXt's permutes, residual sums and the linear
// layers' inputs held most of its memory.
type GradReader interface {
	GradReads(i, j int) bool
}

func gradReads(k Kernel, i, j int) bool {
	r, ok := k.(GradReader)
	return !ok || r.GradReads(i, j)
}

func overwrites(k Kernel, grad bool, i int) bool {
	o, ok := k.(Overwriter)
	return ok && o.Overwrites(grad, i)
}

// Apply adds kernel k over inputs, folding it on the host when no input is live.
func Apply(k Kernel, inputs ...*Node) (*Node, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%v: no inputs", k)
	}
	g := inputs[0].graph
	shapes := make([][]int, len(inputs))
	live := make([]bool, len(inputs))
	anyLive := false
	for i, in := range inputs {
		if in == nil {
			return nil, fmt.Errorf("%v: input %d is missing", k, i)
		}
		if in.graph != g {
			return nil, fmt.Errorf("%v: inputs from different graphs", k)
		}
		shapes[i] = in.shape
		live[i] = in.live
		if in.live && !k.Diffable(i) {
			return nil, fmt.Errorf("%v: input %d depends on the graph input but the op has no gradient for it", k, i)
		}
		anyLive = anyLive || in.live
	}
	shape, err := k.OutShape(shapes)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", k, err)
	}
	if !anyLive {
		if g.foldCheck != nil {
			if err := g.foldCheck(shape); err != nil {
				return nil, fmt.Errorf("%v: %w", k, err)
			}
		}
		ts := make([]*Tensor, len(inputs))
		for i, in := range inputs {
			ts[i] = in.c
		}
		out := NewTensor(shape...)
		k.Forward(ts, out)
		return g.Const(out), nil
	}
	children := make(gorgonia.Nodes, len(inputs))
	types := make([]hm.Type, len(inputs))
	for i, in := range inputs {
		children[i] = in.gnode()
		types[i] = children[i].Type()
	}
	op := &gop{k: k, id: nextID(), shape: shape, inTypes: types, live: live, prof: g.prof, split: splits(k, len(inputs))}
	if op.split != nil {
		op.gradSplit = append(slices.Clone(op.split), true, true)
	}
	n, err := gorgonia.ApplyOp(op, children...)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", k, err)
	}
	return &Node{graph: g, n: n, shape: shape, live: true}, nil
}

var opCounter atomic.Uint64

func nextID() uint64 { return opCounter.Add(1) }

func typeOf(rank int) hm.Type {
	if rank == 0 {
		return tensor.Float32
	}
	return gorgonia.TensorType{Dims: rank, Of: tensor.Float32}
}

// gop adapts a kernel to gorgonia's Op and SDOp interfaces.
type gop struct {
	k       Kernel
	id      uint64 // ops are never merged by gorgonia's hash-consing
	shape   []int
	inTypes []hm.Type
	live    []bool
	buf     reused
	prof    *profile
	split   []bool // the inputs split by image (ImageSplitter); nil for none
	// gradSplit is split for a gradient's operands: the inputs, then the
	// output and its gradient, both split.
	gradSplit []bool
}

// reused is an op's output buffer, kept from run to run: a compiled program
// runs the same ops on same-shaped values every iteration, and allocating
// them afresh cost the garbage collector and the kernel's page faults more
// than zeroing them. Nothing outside a run keeps a value: a Program's
// readers copy what they return. A lent buffer (a value nothing reads
// after the run, see schedule.lend) is instead taken from scratch when the
// op runs and given back after its last reader: the smallest free buffer
// that holds it serves it.
type reused struct {
	t    *Tensor
	lent bool
}

// buffer is the output buffer of an op or a gradient, for the schedule.
func (o *gop) buffer() *reused    { return &o.buf }
func (o *gradOp) buffer() *reused { return &o.buf }

// giveBack returns a lent buffer's floats (nil if none) and forgets them.
func (r *reused) giveBack() []float32 {
	if r.t == nil {
		return nil
	}
	b := r.t.Data
	r.t = nil
	return b
}

// zeroed returns the buffer, shaped and cleared unless the kernel will
// overwrite all of it.
func (r *reused) zeroed(shape []int, overwritten bool) *Tensor {
	if r.t == nil && r.lent {
		r.t = &Tensor{Shape: append([]int(nil), shape...), Data: scratch.Take(Numel(shape))}
	}
	if r.t == nil || len(r.t.Data) != Numel(shape) {
		r.t = NewTensor(shape...)
		return r.t
	}
	if !slices.Equal(r.t.Shape, shape) {
		r.t.Shape = append(r.t.Shape[:0], shape...)
	}
	if !overwritten {
		// On all cores: a batch's gradient of a few MB cleared on one
		// was a pass as long as many kernels.
		d := r.t.Data
		chunked(len(d), func(lo, hi int) { clear(d[lo:hi]) })
	}
	return r.t
}

func (o *gop) Arity() int { return len(o.inTypes) }
func (o *gop) Type() hm.Type {
	return hm.NewFnType(append(append([]hm.Type(nil), o.inTypes...), typeOf(len(o.shape)))...)
}
func (o *gop) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape(append([]int(nil), o.shape...)), nil
}
func (o *gop) ReturnsPtr() bool      { return false }
func (o *gop) CallsExtern() bool     { return false }
func (o *gop) OverwritesInput() int  { return -1 }
func (o *gop) String() string        { return o.k.String() }
func (o *gop) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%v#%d", o.k, o.id) }
func (o *gop) Hashcode() uint32      { return hashOf(o) }
func (o *gop) DiffWRT(int) []bool    { return append([]bool(nil), o.live...) }

func hashOf(op gorgonia.Op) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

func (o *gop) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := fromValues(vs)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o.k, err)
	}
	if o.prof.enabled() {
		defer o.prof.add(o.k.String(), time.Now())
	}
	out := o.buf.zeroed(o.shape, overwrites(o.k, false, 0))
	if o.split == nil || !byImage(in, o.split, out, o.k.Forward) {
		o.k.Forward(in, out)
	}
	return toValue(out), nil
}

func (o *gop) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	grads := make(gorgonia.Nodes, len(inputs))
	for i := range inputs {
		if !o.live[i] {
			continue
		}
		if p, ok := o.k.(Passer); ok && p.PassesGrad(i) {
			grads[i] = grad
			continue
		}
		children := append(append(gorgonia.Nodes(nil), inputs...), output, grad)
		types := make([]hm.Type, len(children))
		for j, c := range children {
			types[j] = c.Type()
		}
		gn, err := gorgonia.ApplyOp(&gradOp{fwd: o, i: i, id: nextID(), inTypes: types}, children...)
		if err != nil {
			return nil, err
		}
		grads[i] = gn
	}
	return grads, nil
}

// gradOp computes d(loss)/d(input i) of a gop from its inputs, output and
// output gradient.
type gradOp struct {
	fwd     *gop
	i       int
	id      uint64
	inTypes []hm.Type
	buf     reused
}

func (o *gradOp) Arity() int { return len(o.inTypes) }
func (o *gradOp) Type() hm.Type {
	return hm.NewFnType(append(append([]hm.Type(nil), o.inTypes...), o.inTypes[o.i])...)
}
func (o *gradOp) InferShape(ds ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := ds[o.i].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("%v: input %d has no shape", o, o.i)
	}
	return s.Clone(), nil
}
func (o *gradOp) ReturnsPtr() bool      { return false }
func (o *gradOp) CallsExtern() bool     { return false }
func (o *gradOp) OverwritesInput() int  { return -1 }
func (o *gradOp) String() string        { return fmt.Sprintf("d%v/din%d", o.fwd.k, o.i) }
func (o *gradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%v#%d", o, o.id) }
func (o *gradOp) Hashcode() uint32      { return hashOf(o) }

func (o *gradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	ts, err := fromValues(vs)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", o, err)
	}
	n := len(ts) - 2
	in, out, gout := ts[:n], ts[n], ts[n+1]
	if o.fwd.prof.enabled() {
		defer o.fwd.prof.add("d"+o.fwd.k.String(), time.Now())
	}
	gin := o.buf.zeroed(in[o.i].Shape, overwrites(o.fwd.k, true, o.i))
	backward := func(ts []*Tensor, gin *Tensor) { o.fwd.k.Backward(o.i, ts[:n], ts[n], ts[n+1], gin) }
	// The gradient of an input that is not split sums over the images.
	if s := o.fwd.gradSplit; s == nil || !s[o.i] || !byImage(ts, s, gin, backward) {
		o.fwd.k.Backward(o.i, in, out, gout, gin)
	}
	return toValue(gin), nil
}

func fromValues(vs []gorgonia.Value) ([]*Tensor, error) {
	ts := make([]*Tensor, len(vs))
	for i, v := range vs {
		switch v := v.(type) {
		case *tensor.Dense:
			d, ok := v.Data().([]float32)
			if !ok {
				if f, ok := v.Data().(float32); ok { // a 0-d dense tensor
					d = []float32{f}
				} else {
					return nil, fmt.Errorf("input %d: want float32 data, got %T", i, v.Data())
				}
			}
			ts[i] = &Tensor{Shape: []int(v.Shape()), Data: d}
			if v.Shape().IsScalar() {
				ts[i].Shape = nil
			}
		case *gorgonia.F32:
			ts[i] = &Tensor{Data: []float32{float32(*v)}}
		default:
			return nil, fmt.Errorf("input %d: unsupported value %T", i, v)
		}
	}
	return ts, nil
}

// toValue wraps a kernel's buffer as a gorgonia value, with the engine
// whose Add sums gradients by vector (gorgonia's gradient sums use the
// engine of their operands).
func toValue(t *Tensor) gorgonia.Value {
	if len(t.Shape) == 0 {
		return gorgonia.NewF32(t.Data[0])
	}
	return tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(t.Data), tensor.WithEngine(addEngine{}))
}
