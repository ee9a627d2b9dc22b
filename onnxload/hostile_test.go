package onnxload

import (
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestHostileModels: models whose fields make sizes wrap, go negative or
// grow past the memory limit, and valid models of zero-size parts (issue
// 26's examples): each is refused with a message naming the node, charged
// before anything of its size is allocated, or, where it is valid, built
// and run. No runtime error text reaches the message.
func TestHostileModels(t *testing.T) {
	const limit = 1 << 30 // 1 GiB, as --max-memory 1G
	for _, c := range []struct {
		name  string
		build func(f *fixture) string // adds nodes, returns the output
		want  string                  // "" : builds and runs
		input []int                   // the input's shape, [1,3,4,4] if nil
	}{
		{"Reshape to [2^62+1, 8192]", func(f *fixture) string {
			return f.node("Reshape", []string{"x", f.ints(1<<62+1, 8192)}, nil)
		}, "too large", []int{1, 2, 64, 64}},
		{"Transpose after an overflowing Reshape", func(f *fixture) string {
			r := f.node("Reshape", []string{"x", f.ints(1<<62+1, 8192)}, nil)
			return f.node("Transpose", []string{r}, map[string]any{"perm": []int64{1, 0}})
		}, "too large", []int{1, 2, 64, 64}},
		{"ConvTranspose output_shape [-5,-5]", func(f *fixture) string {
			return f.node("ConvTranspose", []string{"x", f.weight(3, 4, 3, 3)}, map[string]any{"output_shape": []int64{-5, -5}})
		}, "output_shape", nil},
		{"Expand of an input larger than its target", func(f *fixture) string {
			// 64 MiB of input, expanded 16 times to the 1 GiB limit: only
			// the result (the broadcast of both) tells.
			big := f.node("ConstantOfShape", []string{f.ints(1<<14, 1<<10)}, nil)
			e := f.node("Expand", []string{big, f.ints(16, 1, 1)}, nil)
			return f.node("Add", []string{"x", f.node("ReduceSum", []string{e}, map[string]any{"keepdims": int64(0)})}, nil)
		}, "memory limit", nil},
		{"Expand of a live input larger than its target", func(f *fixture) string {
			// [1,2,64,64] against [2^17,1,1,1]: the target is 512 KiB,
			// the result 4 GiB; nothing is folded, so only Expand's own
			// charge can refuse it.
			e := f.node("Expand", []string{"x", f.ints(1<<17, 1, 1, 1)}, nil)
			return f.node("ReduceSum", []string{e}, map[string]any{"keepdims": int64(0)})
		}, "memory limit", []int{1, 2, 64, 64}},
		{"MatMul of constants with a 14 GB result", func(f *fixture) string {
			a := f.node("ConstantOfShape", []string{f.ints(60000, 1)}, nil)
			b := f.node("ConstantOfShape", []string{f.ints(1, 60000)}, nil)
			mm := f.node("MatMul", []string{a, b}, nil)
			return f.node("Add", []string{"x", f.node("ReduceSum", []string{mm}, map[string]any{"keepdims": int64(0)})}, nil)
		}, "memory limit", nil},
		{"Where of constants with a 9.3 GiB result", func(f *fixture) string {
			cond := f.node("Cast", []string{f.node("ConstantOfShape", []string{f.ints(50000, 1)}, nil)}, map[string]any{"to": int64(9)})
			a := f.node("ConstantOfShape", []string{f.ints(1, 50000)}, nil)
			w := f.node("Where", []string{cond, a, a}, nil)
			return f.node("Add", []string{"x", f.node("ReduceSum", []string{w}, map[string]any{"keepdims": int64(0)})}, nil)
		}, "memory limit", nil},
		{"ConstantOfShape with an empty value", func(f *fixture) string {
			c := f.node("ConstantOfShape", []string{f.ints(3)}, map[string]any{"value": &Tensor{Dims: []int64{0}}})
			return f.node("Add", []string{"x", c}, nil)
		}, "value", nil},
		{"Range of mixed types", func(f *fixture) string {
			r := f.node("Range", []string{f.ints(0), f.floats([]int64{1}, 3), f.ints(1)}, nil)
			return f.node("Add", []string{"x", r}, nil)
		}, "Range", nil},
		{"DepthToSpace with an overflowing block", func(f *fixture) string {
			return f.node("DepthToSpace", []string{"x"}, map[string]any{"blocksize": int64(1 << 32)})
		}, "blocksize", nil},
		{"Split with a zero-size part (valid)", func(f *fixture) string {
			s := f.node("Split", []string{"x", f.ints(0, 3)}, map[string]any{"axis": int64(1)}, 2)
			return s + "_1"
		}, "", nil},
		{"Concat with a zero-size input (valid)", func(f *fixture) string {
			s := f.node("Split", []string{"x", f.ints(0, 3)}, map[string]any{"axis": int64(1)}, 2)
			return f.node("Concat", []string{s, "x"}, map[string]any{"axis": int64(1)})
		}, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.input
			if in == nil {
				in = []int{1, 3, 4, 4}
			}
			f := newFixture(13, in...)
			out := c.build(f)
			if c.name == "Split with a zero-size part (valid)" {
				f.m.Nodes[len(f.m.Nodes)-1].Outputs = []string{out[:len(out)-2], out}
			}
			m, err := f.model(out)
			if err == nil {
				var net *Net
				if net, err = m.Build(Options{Outputs: []string{out}, InputShape: in, MaxMemory: limit}); err == nil {
					x := graph.NewTensor(in...)
					_, err = net.Graph.Evaluate(net.Outputs[out], x)
				}
			}
			if err != nil && strings.Contains(err.Error(), "runtime error") {
				t.Fatalf("a runtime error reached the message: %v", err)
			}
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("a valid model failed: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

// TestHostileMessages: the messages say what is wrong with the model, not
// what went wrong inside invrep: a model whose only input has an
// initializer, a model without nodes, and a Resize past the memory limit
// named by its output shape (not the index table's).
func TestHostileMessages(t *testing.T) {
	f := newFixture(13, 1, 3, 4, 4)
	w := f.weight(1, 3, 4, 4)
	out := f.node("Relu", []string{w}, nil)
	f.m.Inputs = []ValueInfo{{Name: w, Dims: []int64{1, 3, 4, 4}, Params: []string{"", "", "", ""}, ElemType: dtFloat}}
	m, err := f.model(out)
	if err == nil {
		_, err = m.Build(Options{Outputs: []string{out}})
	}
	if err == nil || !strings.Contains(err.Error(), "all have initializers") || !strings.Contains(err.Error(), w) {
		t.Errorf("an input with an initializer: %v", err)
	}
	if _, err := newFixture(13, 1, 3, 4, 4).model("x"); err == nil || !strings.Contains(err.Error(), "no nodes") || strings.Contains(err.Error(), "not an ONNX model") {
		t.Errorf("a model whose output is its input: %v", err)
	}
	h := newFixture(13, 1, 3, 4, 4)
	r := h.node("Resize", []string{"x", "", h.floats([]int64{4}, 1, 1, 200, 200)}, map[string]any{"mode": "linear"})
	m, err = h.model(r)
	if err == nil {
		_, err = m.Build(Options{Outputs: []string{r}, MaxMemory: 1 << 20})
	}
	if err == nil || !strings.Contains(err.Error(), "Resize to [1 3 800 800]") {
		t.Errorf("a Resize past the limit: %v", err)
	}
}

// TestForwardChargesLiveness: a forward-only build charges the
// activations alive at once (each buffer goes back after its last
// reader), an inversion's every one (the tape keeps them): a chain of 24
// maps of 32 KiB fits a 400 KiB limit forward, and is refused for an
// inversion.
func TestForwardChargesLiveness(t *testing.T) {
	f := newFixture(13, 1, 2, 64, 64)
	out := "x"
	for k := 0; k < 24; k++ {
		out = f.node("Neg", []string{out}, nil)
	}
	m, err := f.model(out)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Outputs: []string{out}, InputShape: []int{1, 2, 64, 64}, MaxMemory: 400 << 10, Forward: true}
	net, err := m.Build(opts)
	if err != nil {
		t.Fatalf("forward: %v", err)
	}
	x := graph.NewTensor(1, 2, 64, 64)
	for i := range x.Data {
		x.Data[i] = float32(i%7) - 3
	}
	y, err := net.Graph.Evaluate(net.Outputs[out], x)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range y.Data { // negated 24 times
		if v != x.Data[i] {
			t.Fatalf("y[%d] = %v, want %v", i, v, x.Data[i])
		}
	}
	opts.Forward = false
	if _, err := m.Build(opts); err == nil || !strings.Contains(err.Error(), "memory limit") {
		t.Fatalf("an inversion's build: %v, want the memory limit", err)
	}
}
