package onnxload

import (
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
)

// TestQuantFixtures: the quantised fixtures of testdata/quant.py (QDQ at
// opsets 10, 13 and 21 with 8- and 16-bit activations, and the dynamic
// form), every node output against onnxruntime's (testdata/ort_nodes.sh):
// integer tensors exactly equal, float ones within 1e-5 of max|ort|.
func TestQuantFixtures(t *testing.T) {
	checkNodeFixtures(t, "quant", 7, true)
}

// TestOptimizedFixtures: the families' exports as onnxruntime's offline
// optimiser writes them (testdata/optimize.sh: FusedConv, FusedMatMul,
// Gelu, SkipLayerNormalization), every node within 1e-5 of max|ort|.
func TestOptimizedFixtures(t *testing.T) {
	checkNodeFixtures(t, "optimized", 5, false)
}

// TestContribFixtures: onnxruntime's contrib ops that its optimiser and
// transformer tools write beyond testdata/optimize.sh's (testdata/
// contrib.py), every node within 1e-5 of max|ort|.
func TestContribFixtures(t *testing.T) {
	checkNodeFixtures(t, "contrib", 3, false)
}

// checkNodeFixtures compares every node output of each fixture folder of
// testdata/<kind> with onnxruntime's (testdata/ort_nodes.sh): integer
// tensors exactly, float ones within 1e-5 of max|ort|; wantIntegers says
// the fixtures, taken together, must hold some integer tensors.
func checkNodeFixtures(t *testing.T, kind string, want int, wantIntegers bool) {
	dirs, _ := filepath.Glob(filepath.Join("..", "testdata", kind, "*"))
	if len(dirs) < want {
		t.Fatalf("%d fixtures in testdata/%s, want %d", len(dirs), kind, want)
	}
	allIntegers := 0
	defer func() {
		if wantIntegers && allIntegers == 0 && !t.Failed() {
			t.Error("no integer tensor compared")
		}
	}()
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, err := Load(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			x, err := npy.Load(filepath.Join(dir, "input.npy"))
			if err != nil {
				t.Fatal(err)
			}
			refs := readNpz(t, filepath.Join(dir, "refs.npz"))
			types := map[string]string{}
			raw, err := os.ReadFile(filepath.Join(dir, "types.txt"))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				f := strings.Fields(l)
				types[f[0]] = f[1]
			}
			var names []string
			for k := range refs {
				names = append(names, k)
			}
			sort.Strings(names)
			net, err := m.Build(Options{Outputs: names, InputShape: x.Shape})
			if err != nil {
				t.Fatal(err)
			}
			var live []*graph.Node
			var liveNames []string
			got := map[string]*graph.Tensor{}
			for _, name := range names {
				if c, ok := net.Outputs[name].Constant(); ok {
					got[name] = c
				} else {
					live, liveNames = append(live, net.Outputs[name]), append(liveNames, name)
				}
			}
			p, err := net.Graph.Compile(nil, live...)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if err := p.Run(x); err != nil {
				t.Fatal(err)
			}
			for i, name := range liveNames {
				if got[name], err = p.Output(i); err != nil {
					t.Fatal(err)
				}
			}
			integers, worst := 0, 0.0
			for _, name := range names {
				ref, g := refs[name], got[name]
				if graph.Numel(ref.Shape) != len(g.Data) {
					t.Fatalf("%s: %d values, onnxruntime %v", name, len(g.Data), ref.Shape)
				}
				exact := types[name] != "float32"
				tol := 1e-5 * math.Max(ref.MaxAbs(), 1e-30)
				if exact {
					integers++
					tol = 0
				}
				for k, v := range ref.Data {
					d := math.Abs(float64(g.Data[k] - v))
					if d > tol || math.IsNaN(float64(g.Data[k])) {
						t.Fatalf("%s (%s) [%d] = %g, onnxruntime %g", name, types[name], k, g.Data[k], v)
					}
					if !exact {
						worst = math.Max(worst, d/math.Max(ref.MaxAbs(), 1e-30))
					}
				}
			}
			// The docs' table (docs/models.md) quotes these lines.
			t.Logf("%s: %d node outputs, %d integer ones equal, worst float error %.1e of max|ort|", filepath.Base(dir), len(names), integers, worst)
			allIntegers += integers
		})
	}
}

// qdqConvModel is x → QuantizeLinear → DequantizeLinear → Conv (3→2
// channels, 3×3, weights w) on [1,3,6,6], with the quantiser's scale,
// zero point and its type given; qdq false leaves the quantiser out.
func qdqConvModel(scale float32, zero int64, zeroType int32, w []float32, qdq bool) *Model {
	m := &Model{Opset: 13,
		Inputs: []ValueInfo{{Name: "x", Dims: []int64{1, 3, 6, 6}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Initializers: map[string]*Tensor{
			"s": {Float: []float32{scale}},
			"z": {Int: []int64{zero}, IsInt: true, DataType: zeroType},
			"w": {Dims: []int64{2, 3, 3, 3}, Float: w},
		},
		Outputs: []string{"y"},
	}
	in := "x"
	if qdq {
		m.Nodes = append(m.Nodes,
			Node{Name: "quant", OpType: "QuantizeLinear", Inputs: []string{"x", "s", "z"}, Outputs: []string{"xq"}},
			Node{Name: "dequant", OpType: "DequantizeLinear", Inputs: []string{"xq", "s", "z"}, Outputs: []string{"xd"}})
		in = "xd"
	}
	m.Nodes = append(m.Nodes, Node{Name: "conv", OpType: "Conv", Inputs: []string{in, "w"}, Outputs: []string{"y"}, Attrs: map[string]any{"pads": []int64{1, 1, 1, 1}}})
	return m
}

// TestQuantizerRefusals: a scale of zero, below zero or NaN, and a zero
// point outside its type's range are refused, naming the node.
func TestQuantizerRefusals(t *testing.T) {
	w := make([]float32, 54)
	for _, c := range []struct {
		scale float32
		zero  int64
		dt    int32
		want  string
	}{
		{0, 0, dtUint8, "scale 0"},
		{-0.5, 0, dtUint8, "scale -0.5"},
		{float32(math.NaN()), 0, dtUint8, "NaN"},
		{float32(math.Inf(1)), 0, dtUint8, "scale +Inf"},
		// A zero point of another type than the output_dtype it is for.
		{0.1, 300, dtUint8, "zero point 300 at index 0 is outside uint8's range 0..255"},
		{0.1, -129, dtInt8, "outside int8's range"},
	} {
		model := qdqConvModel(c.scale, c.zero, c.dt, w, true)
		if c.zero > 255 || c.zero < -128 {
			model.Opset = 21
			model.Initializers["z"].DataType = dtInt16
			model.Nodes[0].Attrs = map[string]any{"output_dtype": int64(c.dt)}
		}
		b, err := model.Encode()
		if err != nil {
			t.Fatal(err)
		}
		m, err := Decode(b)
		if err == nil {
			_, err = m.Build(Options{Outputs: []string{"y"}})
		}
		if err == nil || !strings.Contains(err.Error(), `node "quant" (QuantizeLinear)`) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("scale %g, zero point %d: %v (want the node named and %q)", c.scale, c.zero, err, c.want)
		}
	}
}

// TestStraightThrough: the gradient through QuantizeLinear and
// DequantizeLinear is the float model's where the input lies inside the
// quantiser's range, and 0 where it was clipped.
func TestStraightThrough(t *testing.T) {
	w := make([]float32, 54)
	for i := range w {
		w[i] = float32(math.Sin(float64(i)))
	}
	x := graph.NewTensor(1, 3, 6, 6)
	for i := range x.Data {
		x.Data[i] = float32(math.Cos(float64(i)*0.7)) * 1.5 // some beyond the range ±1.27
	}
	grad := func(qdq bool) *graph.Tensor {
		m := qdqConvModel(0.01, 0, dtInt8, w, qdq)
		net, err := m.Build(Options{Outputs: []string{"y"}})
		if err != nil {
			t.Fatal(err)
		}
		y := net.Outputs["y"]
		ones := graph.NewTensor(y.Shape()...)
		for i := range ones.Data {
			ones.Data[i] = float32(i%5) - 2
		}
		loss, err := graph.Dot(y, ones)
		if err != nil {
			t.Fatal(err)
		}
		p, err := net.Graph.Compile(loss)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.Run(x); err != nil {
			t.Fatal(err)
		}
		g, err := p.InputGrad()
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	gq, gf := grad(true), grad(false)
	clipped := 0
	for i, v := range x.Data {
		want := gf.Data[i]
		if r := math.RoundToEven(float64(v / 0.01)); r < -128 || r > 127 { // int8's range
			want, clipped = 0, clipped+1
		}
		if math.Abs(float64(gq.Data[i]-want)) > 1e-5*math.Max(1, math.Abs(float64(want))) {
			t.Fatalf("gradient at x = %g: %g, want %g", v, gq.Data[i], want)
		}
	}
	if clipped == 0 || clipped == len(x.Data) {
		t.Fatalf("%d of %d inputs clipped: the test needs both kinds", clipped, len(x.Data))
	}
}

// TestDequantized: a quantised model's float twin computes the float model
// with the dequantised weights: the QDQ fixture's logits equal a float
// forward with its activation quantisers removed, and the dynamic one's
// equal Conv and MatMul of the dequantised weights; the quantised
// outputs differ from the twin's (the quantisers round).
func TestDequantized(t *testing.T) {
	for _, c := range []string{"qdq-opset13", "dynamic-opset13"} {
		dir := filepath.Join("..", "testdata", "quant", c)
		x, err := npy.Load(filepath.Join(dir, "input.npy"))
		if err != nil {
			t.Fatal(err)
		}
		run := func(m *Model, out string) []float32 { return forward(t, m, out, x) }
		quant, err := Load(filepath.Join(dir, "model.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		twin, _ := Load(filepath.Join(dir, "model.onnx"))
		twin.Dequantized = true
		// The reference float model: quantisers dropped by hand.
		float, _ := Load(filepath.Join(dir, "model.onnx"))
		rename := map[string]string{}
		var kept []Node
		for _, n := range float.Nodes {
			switch {
			case n.OpType == "QuantizeLinear":
				rename[n.Outputs[0]] = n.Inputs[0]
			case n.OpType == "DequantizeLinear" && rename[n.Inputs[0]] != "":
				rename[n.Outputs[0]] = rename[n.Inputs[0]]
			default:
				kept = append(kept, n)
			}
		}
		for i := range kept {
			for k, in := range kept[i].Inputs {
				if r, ok := rename[in]; ok {
					kept[i].Inputs[k] = r
				}
			}
		}
		float.Nodes = kept
		q, tw := run(quant, "logits"), run(twin, "logits")
		var ref []float32
		if c == "qdq-opset13" {
			ref = run(float, "logits")
		} else {
			ref = dynamicFloat(t, float, x)
		}
		differs := false
		for i := range ref {
			if math.Abs(float64(tw[i]-ref[i])) > 1e-4*math.Max(1, math.Abs(float64(ref[i]))) {
				t.Fatalf("%s: twin logit %d = %g, float model %g", c, i, tw[i], ref[i])
			}
			differs = differs || q[i] != tw[i]
		}
		if !differs {
			t.Fatalf("%s: the quantised logits equal the twin's: nothing was quantised", c)
		}
	}
}

// dynamicFloat is the dynamic fixture computed in float64 with dequantised
// weights: relu(conv(x, (wq−wz)·ws)) flattened, times (fq−fz)·fs.
func dynamicFloat(t *testing.T, m *Model, x *graph.Tensor) []float32 {
	in := m.Initializers
	ws, wz, fs := float64(in["ws"].Float[0]), float64(in["wz"].Int[0]), float64(in["fs"].Float[0])
	wq, fq := in["wq"], in["fq"]
	const C, M, H, W = 3, 4, 6, 6
	var flat []float64
	for o := 0; o < M; o++ {
		for y := 0; y < H; y++ {
			for xx := 0; xx < W; xx++ {
				s := 0.0
				for c := 0; c < C; c++ {
					for i := 0; i < 3; i++ {
						for j := 0; j < 3; j++ {
							yy, xi := y+i-1, xx+j-1
							if yy < 0 || yy >= H || xi < 0 || xi >= W {
								continue
							}
							w := (float64(wq.Int[((o*C+c)*3+i)*3+j]) - wz) * ws
							s += w * float64(x.Data[(c*H+yy)*W+xi])
						}
					}
				}
				flat = append(flat, math.Max(s, 0))
			}
		}
	}
	out := make([]float32, 5)
	for k := range out {
		s := 0.0
		for i, v := range flat {
			s += v * float64(fq.Int[i*5+k]) * fs
		}
		out[k] = float32(s)
	}
	return out
}

// TestContribByHand: NhwcConv and BiasAdd, which onnxruntime runs only on
// GPUs (no CPU reference), equal the standard ops they stand for; an op
// of an unknown domain is refused naming the op, its domain and its node.
func TestContribByHand(t *testing.T) {
	w := &Tensor{Dims: []int64{4, 3, 3, 3}}
	bias := &Tensor{Dims: []int64{4}, Float: []float32{0.1, -0.2, 0.3, 0}}
	for i := 0; i < 108; i++ {
		w.Float = append(w.Float, float32(math.Sin(float64(i))))
	}
	in := []ValueInfo{{Name: "x", Dims: []int64{1, 3, 6, 6}, Params: []string{"", "", "", ""}, ElemType: 1}}
	toNHWC := Node{Name: "t", OpType: "Transpose", Inputs: []string{"x"}, Outputs: []string{"xh"}, Attrs: map[string]any{"perm": []int64{0, 2, 3, 1}}}
	contrib := &Model{Opset: 13, Inputs: in, Initializers: map[string]*Tensor{"w": w, "b": bias}, Outputs: []string{"y"},
		Nodes: []Node{toNHWC,
			{Name: "c", OpType: msDomain + "NhwcConv", Inputs: []string{"xh", "w", "b"}, Outputs: []string{"ch"}, Attrs: map[string]any{"pads": []int64{1, 1, 1, 1}}},
			{Name: "ba", OpType: msDomain + "BiasAdd", Inputs: []string{"ch", "b", "ch"}, Outputs: []string{"y"}}}}
	standard := &Model{Opset: 13, Inputs: in, Initializers: map[string]*Tensor{"w": w, "b": bias}, Outputs: []string{"y"},
		Nodes: []Node{
			{Name: "c", OpType: "Conv", Inputs: []string{"x", "w", "b"}, Outputs: []string{"c"}, Attrs: map[string]any{"pads": []int64{1, 1, 1, 1}}},
			{Name: "t", OpType: "Transpose", Inputs: []string{"c"}, Outputs: []string{"ch"}, Attrs: map[string]any{"perm": []int64{0, 2, 3, 1}}},
			{Name: "a1", OpType: "Add", Inputs: []string{"ch", "b"}, Outputs: []string{"s"}},
			{Name: "a2", OpType: "Add", Inputs: []string{"s", "ch"}, Outputs: []string{"y"}}}}
	x := graph.NewTensor(1, 3, 6, 6)
	for i := range x.Data {
		x.Data[i] = float32(math.Cos(float64(i) * 0.3))
	}
	out := func(m *Model) []float32 { return forward(t, m, "y", x) }
	a, b := out(contrib), out(standard)
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5 {
			t.Fatalf("NhwcConv + BiasAdd [%d] = %g, standard ops %g", i, a[i], b[i])
		}
	}
	odd := &Model{Opset: 13, Inputs: in, Outputs: []string{"y"},
		Nodes: []Node{{Name: "mystery", OpType: "com.example.vision.Warp", Inputs: []string{"x"}, Outputs: []string{"y"}}}}
	_, err := odd.Build(Options{})
	if err == nil || !strings.Contains(err.Error(), `Warp of domain com.example.vision (e.g. at node "mystery"`) {
		t.Fatalf("an unknown domain's op: %v", err)
	}
}

// TestRoundingOnConstants: Floor, Ceil, Round (half to even) and Sign of
// size arithmetic computed from constants, as detection transforms write
// it, give the right sizes; on a value that depends on the input they give
// the same values (their gradient: graph's TestRoundingStraightThrough).
func TestRoundingOnConstants(t *testing.T) {
	vals := []float32{-1.5, -0.5, 0.5, 1.5, 2.5, 2.7}
	want := map[string][]float32{
		"Floor": {-2, -1, 0, 1, 2, 2}, "Ceil": {-1, -0, 1, 2, 3, 3},
		"Round": {-2, -0, 0, 2, 2, 3}, "Sign": {-1, -1, 1, 1, 1, 1},
	}
	in := []ValueInfo{{Name: "x", Dims: []int64{1, 6}, Params: []string{"", ""}, ElemType: 1}}
	for op, w := range want {
		m := &Model{Opset: 13, Inputs: in, Outputs: []string{"y"},
			Initializers: map[string]*Tensor{"c": {Dims: []int64{1, 6}, Float: vals}},
			Nodes: []Node{{Name: "r", OpType: op, Inputs: []string{"c"}, Outputs: []string{"rc"}},
				{Name: "add", OpType: "Add", Inputs: []string{"x", "rc"}, Outputs: []string{"y"}}}}
		net, err := m.Build(Options{Outputs: []string{"y"}})
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		p, err := net.Graph.Compile(nil, net.Outputs["y"])
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(graph.NewTensor(1, 6)); err != nil {
			t.Fatal(err)
		}
		y, _ := p.Output(0)
		for i := range w {
			if y.Data[i] != w[i] {
				t.Errorf("%s(%g) = %g, want %g", op, vals[i], y.Data[i], w[i])
			}
		}
		p.Close()
		live := &Model{Opset: 13, Inputs: in, Outputs: []string{"y"},
			Nodes: []Node{{Name: "r", OpType: op, Inputs: []string{"x"}, Outputs: []string{"y"}}}}
		y, err = eval(live, "y", &graph.Tensor{Shape: []int{1, 6}, Data: vals})
		if err != nil {
			t.Fatalf("%s of the input: %v", op, err)
		}
		for i := range w {
			if y.Data[i] != w[i] {
				t.Errorf("%s of the input (%g) = %g, want %g", op, vals[i], y.Data[i], w[i])
			}
		}
	}
}

// TestTolerantBuild: a model whose head holds ops invrep does not build
// (NonMaxSuppression) lists its backbone built and the head left out with
// why, and a backbone node still builds and runs.
func TestTolerantBuild(t *testing.T) {
	in := []ValueInfo{{Name: "x", Dims: []int64{1, 3, 4, 4}, Params: []string{"", "", "", ""}, ElemType: 1}}
	m := &Model{Opset: 13, Inputs: in, Outputs: []string{"boxes"},
		Nodes: []Node{{Name: "relu", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"feat"}},
			{Name: "nms", OpType: "NonMaxSuppression", Inputs: []string{"feat", "feat"}, Outputs: []string{"sel"}},
			{Name: "gather", OpType: "Gather", Inputs: []string{"feat", "sel"}, Outputs: []string{"boxes"}}}}
	if _, err := m.Build(Options{}); err == nil {
		t.Fatal("a strict build of the head succeeded")
	}
	net, err := m.Build(Options{Tolerant: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(net.Layers) != 1 || net.Layers[0].Name != "feat" {
		t.Fatalf("built %v", net.Layers)
	}
	if !strings.Contains(net.Skipped["sel"], "unsupported op NonMaxSuppression") || !strings.Contains(net.Skipped["boxes"], `needs "sel"`) {
		t.Fatalf("skipped %v", net.Skipped)
	}
	if _, err := m.Build(Options{Outputs: []string{"feat"}}); err != nil {
		t.Fatalf("the backbone alone: %v", err)
	}
}

// forward builds m up to out and runs it on x.
func forward(t *testing.T, m *Model, out string, x *graph.Tensor) []float32 {
	t.Helper()
	net, err := m.Build(Options{Outputs: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := net.Graph.Compile(nil, net.Outputs[out])
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	y, err := p.Output(0)
	if err != nil {
		t.Fatal(err)
	}
	return y.Data
}

// TestNewOpsMalformed: the quantised and contrib ops given too few
// inputs, inputs of the wrong kind or attributes out of range fail with
// an error naming the node, never a recovered panic ("building graph:").
func TestNewOpsMalformed(t *testing.T) {
	in := []ValueInfo{{Name: "x", Dims: []int64{1, 3, 4, 4}, Params: []string{"", "", "", ""}, ElemType: 1}}
	inits := map[string]*Tensor{
		"s": {Float: []float32{0.1}}, "z": {Int: []int64{3}, IsInt: true, DataType: dtUint8},
		"s3": {Dims: []int64{3}, Float: []float32{0.1, 0.2, 0.3}}, "w": {Dims: []int64{2, 3, 1, 1}, Float: make([]float32, 6)},
		"wi": {Dims: []int64{2, 3, 1, 1}, Int: make([]int64, 6), IsInt: true, DataType: dtInt8},
	}
	for _, n := range []Node{
		{OpType: "QuantizeLinear", Inputs: []string{"x"}},
		{OpType: "QuantizeLinear", Inputs: []string{"x", "s3", "z"}, Attrs: map[string]any{"axis": int64(7)}},
		{OpType: "DequantizeLinear", Inputs: []string{"x", "s3"}, Attrs: map[string]any{"axis": int64(-9)}},
		{OpType: "QLinearConv", Inputs: []string{"x", "s", "z"}},
		{OpType: "QLinearConv", Inputs: []string{"x", "x", "z", "wi", "s", "z", "s", "z"}},
		{OpType: "QLinearMatMul", Inputs: []string{"x"}},
		{OpType: "ConvInteger", Inputs: []string{"x"}},
		{OpType: "MatMulInteger", Inputs: []string{"x", "w", "z", "s3"}},
		{OpType: msDomain + "QLinearAdd", Inputs: []string{"x", "s", "z"}},
		{OpType: msDomain + "QLinearConcat", Inputs: []string{"s", "z", "x"}},
		{OpType: msDomain + "QGemm", Inputs: []string{"x", "s", "z"}},
		{OpType: msDomain + "FusedMatMul", Inputs: []string{"x"}, Attrs: map[string]any{"transBatchA": int64(1)}},
		{OpType: msDomain + "FusedConv", Inputs: []string{"x", "w"}, Attrs: map[string]any{"activation": "Swish"}},
		{OpType: msDomain + "Attention", Inputs: []string{"x", "x"}, Attrs: map[string]any{"num_heads": int64(2)}},
		{OpType: msDomain + "Attention", Inputs: []string{"x"}, Attrs: map[string]any{"num_heads": int64(2)}},
		{OpType: msDomain + "Attention", Inputs: []string{"x", "w"}, Attrs: map[string]any{"num_heads": int64(0)}},
		{OpType: msDomain + "MultiHeadAttention", Inputs: []string{"x", "x", "x"}, Attrs: map[string]any{"num_heads": int64(5)}},
		{OpType: msDomain + "SkipLayerNormalization", Inputs: []string{"x"}},
		{OpType: msDomain + "NhwcConv", Inputs: []string{"s", "w"}},
		{OpType: "Floor"},
	} {
		n.Name, n.Outputs = "bad", []string{"y"}
		m := &Model{Opset: 13, Inputs: in, Initializers: inits, Nodes: []Node{n}, Outputs: []string{"y"}}
		_, err := m.Build(Options{})
		if err == nil || strings.Contains(err.Error(), "building graph:") || !strings.Contains(err.Error(), `node "bad"`) {
			t.Errorf("%s %v: %v", n.OpType, n.Inputs, err)
		}
	}
}

// TestMSGroupNorm: onnxruntime's GroupNorm (channels last, SiLU), which it
// runs on GPUs only, against a float64 group norm and x·σ(x).
func TestMSGroupNorm(t *testing.T) {
	in := []ValueInfo{{Name: "x", Dims: []int64{1, 5, 5, 4}, Params: []string{"", "", "", ""}, ElemType: 1}}
	gamma := &Tensor{Dims: []int64{4}, Float: []float32{1, 0.5, 2, -1}}
	beta := &Tensor{Dims: []int64{4}, Float: []float32{0, 0.1, -0.2, 0.3}}
	contrib := &Model{Opset: 18, Inputs: in, Initializers: map[string]*Tensor{"g": gamma, "b": beta}, Outputs: []string{"y"},
		Nodes: []Node{{Name: "gn", OpType: msDomain + "GroupNorm", Inputs: []string{"x", "g", "b"}, Outputs: []string{"y"},
			Attrs: map[string]any{"groups": int64(2), "activation": int64(1), "epsilon": float32(1e-5)}}}}
	// The reference in float64: per image, groups of 2 channels over H·W.
	x := graph.NewTensor(1, 5, 5, 4)
	for i := range x.Data {
		x.Data[i] = float32(math.Sin(float64(i)*0.37)) * 3
	}
	got := forward(t, contrib, "y", x)
	for g := 0; g < 2; g++ {
		mean, sq, n := 0.0, 0.0, 0.0
		for p := 0; p < 25; p++ {
			for c := 2 * g; c < 2*g+2; c++ {
				v := float64(x.Data[p*4+c])
				mean, sq, n = mean+v, sq+v*v, n+1
			}
		}
		mean /= n
		std := math.Sqrt(sq/n - mean*mean + 1e-5)
		for p := 0; p < 25; p++ {
			for c := 2 * g; c < 2*g+2; c++ {
				v := (float64(x.Data[p*4+c])-mean)/std*float64(gamma.Float[c]) + float64(beta.Float[c])
				want := v / (1 + math.Exp(-v))
				if d := math.Abs(float64(got[p*4+c]) - want); d > 1e-4 {
					t.Fatalf("GroupNorm [%d,%d] = %g, want %g", p, c, got[p*4+c], want)
				}
			}
		}
	}
}

// TestBlockedRefusals: blocked dequantisation of a value that depends on
// the input, or with a scale that does not block the input, is refused.
func TestBlockedRefusals(t *testing.T) {
	in := []ValueInfo{{Name: "x", Dims: []int64{2, 8}, Params: []string{"", ""}, ElemType: 1}}
	for _, c := range []struct {
		input string
		dims  []int64
		want  string
	}{
		{"x", []int64{2, 2}, "depend on the input"},
		{"wq", []int64{2, 3}, "does not block"},
	} {
		m := &Model{Opset: 21, Inputs: in, Outputs: []string{"y"},
			Initializers: map[string]*Tensor{
				"wq": {Dims: []int64{2, 8}, Int: make([]int64, 16), IsInt: true, DataType: dtInt8},
				"s":  {Dims: c.dims, Float: make([]float32, c.dims[0]*c.dims[1])},
			},
			Nodes: []Node{{Name: "dq", OpType: "DequantizeLinear", Inputs: []string{c.input, "s"}, Outputs: []string{"y"},
				Attrs: map[string]any{"axis": int64(1), "block_size": int64(4)}}}}
		for i := range m.Initializers["s"].Float {
			m.Initializers["s"].Float[i] = 0.5
		}
		if _, err := m.Build(Options{Tolerant: false}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s, scale %v: %v", c.input, c.dims, err)
		}
	}
}
