package onnxload

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/invrep/invrep/graph"
)

// Options control how a Model becomes a graph.
type Options struct {
	// InputShape overrides the declared input shape (symbolic dimensions
	// such as the batch are otherwise taken as 1).
	InputShape []int
	// Outputs are the values to build; only the nodes they need are built.
	// Empty means the graph's declared outputs.
	Outputs []string
	// Normalization, when set, makes the graph input paper pixel units and
	// inserts the model's own scaling as the first node.
	Normalization *graph.Normalization
	// MaxMemory bounds, in bytes, what the graph may need: its constants,
	// plus every value that depends on the input twice (the value and its
	// gradient). A model that needs more is refused before it allocates.
	// 0 means DefaultMaxMemory().
	MaxMemory int64
	// Front, when set, stands between the graph input (then shaped
	// InputShape, e.g. a jitter canvas) and the model, which reads
	// Front(input) (before Normalization).
	Front func(x *graph.Node) (*graph.Node, error)
	// Tolerant builds what can be built: a node whose op is unsupported or
	// fails, and every node that needs it, is left out and listed in
	// Net.Skipped with the reason, instead of failing the build ('invrep
	// layers' on a detector whose head holds NonMaxSuppression).
	Tolerant bool
	// Forward says the graph will only be run forward ('invrep features',
	// 'invrep layers'): each value is charged once against MaxMemory, not
	// twice for a gradient that will never be computed.
	Forward bool
	// Dequantize gives an output that holds a quantiser's integers as the
	// values they stand for, (q − zero)·scale (Model.integerCode): the
	// features an inversion compares.
	Dequantize bool
}

// DefaultMaxMemory is half of the machine's memory (8 GiB where it cannot
// be read).
func DefaultMaxMemory() int64 {
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					return kb * 1024 / 2
				}
			}
		}
	}
	return 8 << 30
}

// Net is a model built as a graph.
type Net struct {
	Graph *graph.Graph
	// Input is the graph's input variable (paper units when a Normalization
	// was given, the model's own units otherwise).
	Input *graph.Node
	// Outputs maps each requested name to its node.
	Outputs map[string]*graph.Node
	// Layers lists every built node output in graph order.
	Layers []Layer
	// Skipped maps each node output a tolerant build left out to why.
	Skipped map[string]string
}

// Layer describes one node output.
type Layer struct {
	Name   string
	OpType string
	Shape  []int
	// Constant is true for values computed from constants alone (weights,
	// shape arithmetic), which have no gradient path to the input.
	Constant bool
}

// value is an ONNX value during building: a float node or an int constant.
type value struct {
	f *graph.Node
	i *Tensor
}

func (v value) shape() []int {
	if v.f != nil {
		return v.f.Shape()
	}
	s := make([]int, len(v.i.Dims))
	for k, d := range v.i.Dims {
		s[k] = int(d)
	}
	return s
}

type builder struct {
	m      *Model
	g      *graph.Graph
	vals   map[string]value
	budget int64 // bytes left under MaxMemory
	total  int64 // MaxMemory
	// fuse says which chains of nodes are built as one op (fuse.go).
	fuse fusionPlan
	// exact is set while an integer convolution is built (ConvInteger,
	// QLinearConv): its accumulator must come out exact.
	exact bool
}

// spend charges n float32 values (times copies) against the memory budget.
func (b *builder) spend(n, copies int64, what string) error {
	need := n * 4 * copies
	if n < 0 || need/copies/4 != n || need > b.budget {
		return &LimitError{fmt.Sprintf("%s would need %s more, beyond the memory limit (%s)", what, bytesString(need), bytesString(b.maxMemory()))}
	}
	b.budget -= need
	return nil
}

func (b *builder) maxMemory() int64 { return b.total }

// reserve charges, before an op allocates, a result whose shape comes from
// constants in the file (Expand, Tile, Resize, Range, Pad, Gather): per
// element its value, its gradient and the op's index table, so that a
// hostile shape is refused rather than allocated.
func (b *builder) reserve(shape []int, what string) error {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("%s: negative dimension in %v", what, shape)
		}
		n *= int64(d)
		if n > maxConstElems {
			return fmt.Errorf("%s: shape %v is too large", what, shape)
		}
	}
	desc := fmt.Sprintf("%s of shape %v", what, shape)
	if strings.Contains(what, "[") { // the op named its own shape
		desc = what
	}
	return b.spend(n, 3, desc)
}

// fits checks, without charging, that a result of this shape (its value
// and gradient) fits the budget left: for an op whose output is charged
// later with the others, but whose message should name it.
func (b *builder) fits(shape []int, what string) error {
	n := 1.0
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("%s: negative dimension in %v", what, shape)
		}
		n *= float64(d)
	}
	if need := n * 4 * 2; need > float64(b.budget) {
		return &LimitError{fmt.Sprintf("%s would need %s more, beyond the memory limit (%s)", what, bytesString(int64(min(need, 1<<62))), bytesString(b.maxMemory()))}
	}
	return nil
}

// reserveFolded charges a constant an op folds from constants, once, as
// it is made (its value only: constants take no gradient).
func (b *builder) reserveFolded(shape []int) error {
	n := 1.0 // in float64: a product of hostile dims must not wrap
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("negative dimension in %v", shape)
		}
		n *= float64(d)
	}
	what := fmt.Sprintf("a constant of shape %v", shape)
	if n*4 > float64(b.budget) {
		return &LimitError{fmt.Sprintf("%s would need %s more, beyond the memory limit (%s)", what, bytesString(int64(min(n*4, 1<<62))), bytesString(b.maxMemory()))}
	}
	return b.spend(int64(n), 1, what)
}

func bytesString(n int64) string {
	switch {
	case n < 0:
		return "an overflowing amount"
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// InputShape returns the shape Build uses by default: the declared one with
// symbolic dimensions taken as 1.
func (m *Model) InputShape() ([]int, error) {
	if len(m.Inputs) == 0 {
		return nil, m.noInput()
	}
	in := m.Inputs[0]
	shape := make([]int, len(in.Dims))
	for i, d := range in.Dims {
		if in.Params[i] != "" {
			if i > 0 {
				return nil, fmt.Errorf("%s: input %q has symbolic dimension %s at axis %d; give the size (--size WxH, or --input-shape)", m.where(), in.Name, in.Params[i], i)
			}
			d = 1
		}
		shape[i] = int(d)
	}
	if len(shape) == 0 {
		return nil, fmt.Errorf("%s: input %q declares no shape; give the input shape explicitly", m.where(), in.Name)
	}
	return m.Layout.fromModel(shape), nil
}

// Build builds the graph up to opts.Outputs.
func (m *Model) Build(opts Options) (net *Net, err error) {
	defer func() {
		if r := recover(); r != nil {
			net, err = nil, fmt.Errorf("%s: building graph: %v", m.where(), r)
		}
	}()
	if len(m.Inputs) == 0 {
		return nil, m.noInput()
	}
	if len(m.Inputs) > 1 {
		var names []string
		for _, in := range m.Inputs {
			names = append(names, in.Name)
		}
		return nil, fmt.Errorf("%s: the model has several inputs (%s): feed all but the image (--feed NAME=FILE.npy, Model.Feed)", m.where(), strings.Join(names, ", "))
	}
	in := m.Inputs[0]
	// Any float input is computed in float32 (a float16 or double model
	// sees the same values as its own type would hold them, to rounding).
	if in.ElemType != 0 && !isFloatType(int64(in.ElemType)) {
		return nil, fmt.Errorf("%s: input %q holds %s values; only float inputs (float, float16, bfloat16, double) can be inverted", m.where(), in.Name, elemTypeName(int64(in.ElemType)))
	}
	shape := opts.InputShape
	if shape == nil {
		if shape, err = m.InputShape(); err != nil {
			return nil, err
		}
	} else if opts.Front == nil {
		// Behind a front the graph's input is the front's (a jitter
		// canvas, an image's parameters), not the model's.
		if err := m.checkInputShape(shape); err != nil {
			return nil, err
		}
	}
	outputs := opts.Outputs
	if len(outputs) == 0 {
		outputs = m.Outputs
	}
	producer := map[string]int{}
	for i, n := range m.Nodes {
		for _, o := range n.Outputs {
			producer[o] = i
		}
	}
	need := make([]bool, len(m.Nodes))
	var stack []string
	for _, o := range outputs {
		if _, ok := producer[o]; !ok && o != in.Name {
			return nil, m.unknownValue(o)
		}
		stack = append(stack, o)
	}
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, ok := producer[name]
		if !ok || need[i] {
			continue
		}
		need[i] = true
		stack = append(stack, m.Nodes[i].Inputs...)
	}
	if err := m.unsupported(need); err != nil && !opts.Tolerant {
		return nil, err
	}
	if err := m.finiteWeights(need); err != nil {
		return nil, err
	}

	limit := opts.MaxMemory
	if limit <= 0 {
		limit = DefaultMaxMemory()
	}
	b := &builder{m: m, g: graph.New(), vals: map[string]value{}, budget: limit, total: limit, fuse: planFusion(m, need, outputs)}
	// An op folded on constants is charged before its result is made.
	b.g.SetFoldCheck(func(shape []int) error { return b.reserveFolded(shape) })
	inputElems := int64(1)
	for _, d := range shape {
		inputElems *= int64(d)
		if inputElems > 1<<40 {
			break
		}
	}
	if err := b.spend(inputElems, 2, fmt.Sprintf("input shape %v", shape)); err != nil {
		return nil, fmt.Errorf("%s: %w", m.where(), err)
	}
	x, err := b.g.Input(in.Name, shape...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.where(), err)
	}
	net = &Net{Graph: b.g, Input: x, Outputs: map[string]*graph.Node{}, Skipped: map[string]string{}}
	first := x
	if opts.Front != nil {
		if first, err = opts.Front(x); err != nil {
			return nil, fmt.Errorf("%s: input %q: %w", m.where(), in.Name, err)
		}
	}
	if opts.Normalization != nil {
		if first, err = opts.Normalization.ModelInput(first); err != nil {
			return nil, fmt.Errorf("%s: input %q: %w", m.where(), in.Name, err)
		}
	}
	if first, err = m.Layout.front(first); err != nil {
		return nil, fmt.Errorf("%s: input %q (%s): %w", m.where(), in.Name, m.Layout, err)
	}
	b.vals[in.Name] = value{f: first}
	for name, t := range m.Initializers {
		if t.IsInt {
			b.vals[name] = value{i: t}
		} else {
			ft, err := floatTensor(t)
			if err != nil {
				return nil, fmt.Errorf("%s: initializer %q: %w", m.where(), name, err)
			}
			b.vals[name] = value{f: b.g.Const(ft)}
		}
	}
	// A forward-only run gives each activation's buffer back after its
	// last reader: charge what is live at once, not the sum. lastUse is
	// each value's last reading node (the requested outputs: never);
	// charged what each live value cost.
	var lastUse map[string]int
	charged := map[string]int64{}
	if opts.Forward {
		lastUse = map[string]int{}
		for i := range m.Nodes {
			if need[i] {
				for _, in := range m.Nodes[i].Inputs {
					lastUse[in] = i
				}
			}
		}
		for _, o := range outputs {
			lastUse[o] = len(m.Nodes)
		}
	}
	for i := range m.Nodes {
		if !need[i] {
			continue
		}
		n := &m.Nodes[i]
		if b.fuse.absorbed[n] {
			continue
		}
		built := n // the node as written, or the QOperator node of its QDQ group
		if q := b.fuse.qlinear[n]; q != nil {
			built = q
		}
		if opts.Tolerant {
			if why := b.skipReason(built, net.Skipped); why != "" {
				for _, o := range n.Outputs {
					if o != "" {
						net.Skipped[o] = why
					}
				}
				continue
			}
		}
		var outs []value
		if c := b.fuse.chains[n]; c != nil {
			outs, err = b.buildChain(c)
		} else {
			ins := make([]value, len(built.Inputs))
			for k, name := range built.Inputs {
				if name == "" {
					continue
				}
				v, ok := b.vals[name]
				if !ok {
					return nil, fmt.Errorf("%s: %v: input %q is not produced by any node, initializer or graph input", m.where(), n, name)
				}
				ins[k] = v
			}
			outs, err = ops[built.OpType](b, built, ins)
		}
		if err != nil && opts.Tolerant {
			for _, o := range n.Outputs {
				if o != "" {
					net.Skipped[o] = err.Error() + m.sizeNote(shape, opts.Front != nil)
				}
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v: %w%s", m.where(), n, err, m.sizeNote(shape, opts.Front != nil))
		}
		for k, o := range outs {
			if o.f == nil || k >= len(n.Outputs) {
				continue
			}
			copies := int64(1)
			if o.f.Live() && !opts.Forward {
				copies = 2 // the value and its gradient
			}
			if err := b.spend(int64(graph.Numel(o.f.Shape())), copies, fmt.Sprintf("output %q %v", n.Outputs[k], o.f.Shape())); err != nil {
				return nil, fmt.Errorf("%s: %v: %w", m.where(), n, err)
			}
			if opts.Forward && o.f.Live() && n.Outputs[k] != "" {
				charged[n.Outputs[k]] += int64(graph.Numel(o.f.Shape())) * 4 * copies
			}
		}
		if opts.Forward {
			// Inputs this node reads last, and outputs nothing reads.
			for _, name := range append(append([]string(nil), n.Inputs...), n.Outputs...) {
				if last, read := lastUse[name]; (!read || last == i) && charged[name] > 0 {
					b.budget += charged[name]
					delete(charged, name)
				}
			}
		}
		for k, o := range n.Outputs {
			if k >= len(outs) || o == "" {
				continue
			}
			b.vals[o] = outs[k]
			net.Layers = append(net.Layers, Layer{Name: o, OpType: built.OpType, Shape: outs[k].shape(), Constant: outs[k].f == nil || !outs[k].f.Live()})
		}
	}
	for _, o := range outputs {
		v, ok := b.vals[o]
		if _, skipped := net.Skipped[o]; skipped && opts.Tolerant {
			continue
		}
		if !ok {
			return nil, fmt.Errorf("%s: value %q was not produced (an optional output that is not supported)", m.where(), o)
		}
		if v.f == nil {
			return nil, fmt.Errorf("%s: value %q is an integer tensor, not a feature map", m.where(), o)
		}
		if opts.Dequantize {
			if q, s, z, ok := m.integerCode(o); ok {
				in := []value{v, b.vals[q.Inputs[s]], {}}
				if z < len(q.Inputs) && q.Inputs[z] != "" {
					in[2] = b.vals[q.Inputs[z]]
				}
				dq := &Node{Name: o + " (dequantised)", OpType: "DequantizeLinear", Inputs: []string{o, q.Inputs[s], ""}, Outputs: []string{o}}
				outs, err := opDequantizeLinear(b, dq, in)
				if err != nil {
					return nil, fmt.Errorf("%s: dequantising %q for its features: %w", m.where(), o, err)
				}
				v = outs[0]
			}
		}
		net.Outputs[o] = v.f
	}
	return net, nil
}

// skipReason says why a tolerant build leaves a node out: its op is not
// supported, or it reads a value left out before it.
func (b *builder) skipReason(n *Node, skipped map[string]string) string {
	if ops[n.OpType] == nil && b.fuse.chains[n] == nil {
		name := n.OpType
		if i := strings.LastIndexByte(name, '.'); i > 0 {
			name = fmt.Sprintf("%s of domain %s", name[i+1:], name[:i])
		}
		return "unsupported op " + name
	}
	for _, in := range n.Inputs {
		if _, ok := skipped[in]; ok {
			return fmt.Sprintf("needs %q, not built", in)
		}
	}
	return ""
}

// sizeNote says, under an error met while building for another input size
// than the model declares, that the model fixes its size: its shape
// arithmetic may hold that size (a Reshape to it, say).
func (m *Model) sizeNote(shape []int, behindFront bool) string {
	w, h, ok := m.FixedSize()
	if !ok || behindFront || len(shape) != 4 || (shape[2] == h && shape[3] == w) {
		return ""
	}
	return fmt.Sprintf(" (the model fixes its input at %dx%d, and was asked for %dx%d: it may only work at its own size)", w, h, shape[3], shape[2])
}

func (m *Model) checkInputShape(shape []int) error {
	in := m.Inputs[0]
	image := shape
	shape, err := m.Layout.toModel(shape)
	if err != nil {
		return fmt.Errorf("%s: input %q (%s): %w", m.where(), in.Name, m.Layout, err)
	}
	channelAxis := 1
	switch m.Layout {
	case LayoutNHWC:
		channelAxis = 3
	case LayoutCHW:
		channelAxis = 0
	}
	if len(in.Dims) > 0 && len(shape) != len(in.Dims) {
		return fmt.Errorf("%s: input shape %v has rank %d, input %q is declared %v", m.where(), image, len(image), in.Name, in)
	}
	for i, d := range shape {
		if d <= 0 {
			return fmt.Errorf("%s: input shape %v has a non-positive dimension", m.where(), image)
		}
		if i < len(in.Dims) && in.Params[i] == "" && i == channelAxis && int(in.Dims[i]) != d {
			return fmt.Errorf("%s: input shape %v has %d channels, input %q is declared %v", m.where(), image, d, in.Name, in)
		}
	}
	return nil
}

// ValueNames lists every value a node produces, in graph order.
func (m *Model) ValueNames() []string {
	var out []string
	for _, n := range m.Nodes {
		out = append(out, n.Outputs...)
	}
	return out
}

func (m *Model) unknownValue(name string) error {
	close := Closest(name, m.ValueNames(), 3)
	msg := fmt.Sprintf("%s: no node output named %q", m.where(), name)
	if len(close) > 0 {
		msg += "; closest: " + strings.Join(close, ", ")
	}
	return &NameError{msg: msg}
}

// Closest returns up to k distinct candidates near name, nearest first
// (ties in the candidates' order). Near means an edit distance of at most
// two fifths of the longer name, at least 1, and a name that contains the
// other (case folded) counts as near too: anything farther is another
// name, not a slip, and suggesting it would mislead.
func Closest(name string, candidates []string, k int) []string {
	type scored struct {
		s string
		d int
	}
	var all []scored
	seen := map[string]bool{}
	lower := strings.ToLower(name)
	for _, c := range candidates {
		if seen[c] || c == "" {
			continue
		}
		seen[c] = true
		lc := strings.ToLower(c)
		d := editDistance(lower, lc)
		near := d <= max(1, 2*max(len(lower), len(lc))/5)
		if !near && len(lower) >= 3 && (strings.Contains(lc, lower) || strings.Contains(lower, lc) && len(lc) >= 3) {
			near = true
		}
		if near {
			all = append(all, scored{c, d})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	var out []string
	for i := 0; i < len(all) && i < k; i++ {
		out = append(out, all[i].s)
	}
	return out
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func floatTensor(t *Tensor) (*graph.Tensor, error) {
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in %v", t.Dims)
		}
		shape[i] = int(d)
	}
	if t.IsInt {
		out := graph.NewTensor(shape...)
		for i, v := range t.Int {
			out.Data[i] = float32(v)
		}
		return out, nil
	}
	if len(t.Float) != graph.Numel(shape) {
		return nil, fmt.Errorf("%d values for dims %v", len(t.Float), t.Dims)
	}
	return &graph.Tensor{Shape: shape, Data: t.Float}, nil
}

// Truncated is a model cut at one node: a representation to invert. Its
// input is in paper units when Normalization is set.
type Truncated struct {
	Model         *Model
	Layer         string
	Normalization *graph.Normalization
	MaxMemory     int64 // see Options
}

// Build builds the model up to Layer for an input of the given shape and
// returns the graph and the layer's node.
func (t Truncated) Build(shape []int) (*graph.Graph, *graph.Node, error) {
	return t.BuildBehind(shape, nil)
}

// BuildLayers builds the model up to several layers behind front (nil:
// none): the graph's input has the given shape and the model reads
// front(input). It makes Truncated an invert.Layered (feature
// visualisation reads several layers; Layer is not used).
//
// A channels-last layer ([N,H,W,C], Model.NodeLayouts) is given
// transposed to channels first, so that the objectives' channels are its
// last axis.
func (t Truncated) BuildLayers(shape []int, front func(*graph.Node) (*graph.Node, error), layers []string) (*graph.Graph, map[string]*graph.Node, error) {
	net, err := t.Model.Build(Options{InputShape: shape, Outputs: layers, Normalization: t.Normalization, MaxMemory: t.MaxMemory, Front: front, Dequantize: true})
	if err != nil {
		return nil, nil, err
	}
	layouts := t.Model.NodeLayouts()
	for name, n := range net.Outputs {
		if layouts[name] == LayoutNHWC && len(n.Shape()) == 4 {
			if net.Outputs[name], err = graph.Transpose(n, []int{0, 3, 1, 2}); err != nil {
				return nil, nil, err
			}
		}
	}
	return net.Graph, net.Outputs, nil
}

// BuildBehind builds the model up to Layer behind front: the graph's input
// has the given shape (a jitter canvas, say) and the model reads
// front(input). It makes Truncated an invert.Behind.
func (t Truncated) BuildBehind(shape []int, front func(*graph.Node) (*graph.Node, error)) (*graph.Graph, *graph.Node, error) {
	net, err := t.Model.Build(Options{InputShape: shape, Outputs: []string{t.Layer}, Normalization: t.Normalization, MaxMemory: t.MaxMemory, Front: front, Dequantize: true})
	if err != nil {
		return nil, nil, err
	}
	return net.Graph, net.Outputs[t.Layer], nil
}

// unsupported names every op type among the needed nodes that invrep
// cannot build, with one node of each, so that a user learns all that is
// missing at once.
func (m *Model) unsupported(need []bool) error {
	var types []string
	first := map[string]*Node{}
	for i := range m.Nodes {
		n := &m.Nodes[i]
		if need[i] && ops[n.OpType] == nil && first[n.OpType] == nil {
			first[n.OpType] = n
			types = append(types, n.OpType)
		}
	}
	if len(types) == 0 {
		return nil
	}
	var parts []string
	for _, t := range types {
		// A domain-qualified type (the decoder writes the domain first)
		// is named with its domain: that op belongs to another runtime.
		name := t
		if i := strings.LastIndexByte(t, '.'); i > 0 {
			name = fmt.Sprintf("%s of domain %s", t[i+1:], t[:i])
		}
		parts = append(parts, fmt.Sprintf("%s (e.g. at %v)", name, first[t]))
	}
	word := "op"
	if len(types) > 1 {
		word = "ops"
	}
	return fmt.Errorf("%s: unsupported %s %s; supported ops: %s", m.where(), word, strings.Join(parts, ", "), strings.Join(SupportedOps(), ", "))
}

// finiteWeights refuses a NaN in any float initializer or Constant a
// needed node reads, and an infinity among a layer's weights, naming the
// tensor and the node: one NaN weight makes every gradient NaN, and the
// inversion would only ever return its starting noise. (An infinity
// elsewhere can be meant: a mask of −∞ added before a softmax.)
func (m *Model) finiteWeights(need []bool) error {
	weighted := map[string]bool{"Conv": true, "ConvTranspose": true, "Gemm": true, "MatMul": true, "BatchNormalization": true,
		"LayerNormalization": true, "InstanceNormalization": true, "GroupNormalization": true, "PRelu": true, "LRN": true}
	checked := map[string]bool{}
	for i := range m.Nodes {
		if !need[i] {
			continue
		}
		n := &m.Nodes[i]
		check := func(name string, t *Tensor) error {
			if t == nil || t.IsInt || checked[name] {
				return nil
			}
			checked[name] = true
			// Per element only a comparison: v−v is 0 for every finite
			// v and NaN for NaN and ±Inf (a map lookup here cost 2 s on
			// a 176 MB model).
			inf := weighted[n.OpType]
			for k, v := range t.Float {
				if d := v - v; d != d {
					if v != v || (inf && math.IsInf(float64(v), 0)) {
						return fmt.Errorf("%s: tensor %q, read by %v, holds %v at index %d", m.where(), name, n, v, k)
					}
				}
			}
			return nil
		}
		for _, in := range n.Inputs {
			if err := check(in, m.Initializers[in]); err != nil {
				return err
			}
		}
		if n.OpType == "Constant" {
			t, _ := n.Attrs["value"].(*Tensor)
			if err := check(n.Outputs[0], t); err != nil {
				return err
			}
		}
	}
	return nil
}
