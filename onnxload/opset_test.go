package onnxload

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
)

func closeTo(t *testing.T, what string, got, want *graph.Tensor, tol float64) {
	t.Helper()
	if !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want.Shape)
	}
	scale := math.Max(want.MaxAbs(), 1e-6)
	for i := range got.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > tol*scale {
			t.Fatalf("%s: [%d] = %g, want %g", what, i, got.Data[i], want.Data[i])
		}
	}
}

type opFixture struct {
	name  string
	opset int64
	in    []int
	// make adds nodes to f and returns the output name and the same
	// computation through the graph API.
	make func(f *fixture) (string, func(g *graph.Graph, x *graph.Node) (*graph.Node, error))
}

func cst(g *graph.Graph, t *graph.Tensor) *graph.Node { return g.Const(t) }

func TestOpFixtures(t *testing.T) {
	fixtures := []opFixture{
		{"Conv/SAME_UPPER", 8, []int{1, 1, 7, 7}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			w := f.weight(2, 1, 5, 5)
			out := f.node("Conv", []string{"x", w}, map[string]any{"auto_pad": "SAME_UPPER", "kernel_shape": []int64{5, 5}})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Conv(x, cst(g, f.init(w)), nil, graph.ConvParams{Pads: [4]int{2, 2, 2, 2}})
			}
		}},
		{"Conv/groups-asym-dil", 13, []int{2, 4, 9, 8}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			w, b := f.weight(6, 2, 3, 3), f.weight(6)
			out := f.node("Conv", []string{"x", w, b}, map[string]any{"group": int64(2), "pads": []int64{0, 1, 2, 3}, "strides": []int64{2, 1}, "dilations": []int64{1, 2}})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Conv(x, cst(g, f.init(w)), cst(g, f.init(b)), graph.ConvParams{Group: 2, Pads: [4]int{0, 1, 2, 3}, Strides: [2]int{2, 1}, Dilations: [2]int{1, 2}})
			}
		}},
		{"Clip/opset7-attrs", 7, []int{2, 5}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Clip", []string{"x"}, map[string]any{"min": float32(-0.3), "max": float32(0.4)})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Clip(x, -0.3, 0.4) }
		}},
		{"Clip/opset13-inputs", 13, []int{2, 5}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			lo, hi := f.floats(nil, -0.3), f.floats(nil, 0.4)
			out := f.node("Clip", []string{"x", lo, hi}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Clip(x, -0.3, 0.4) }
		}},
		{"Clip/opset13-max-only", 13, []int{2, 5}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			hi := f.floats(nil, 0.4)
			out := f.node("Clip", []string{"x", "", hi}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Clip(x, -math.MaxFloat32, 0.4) }
		}},
		{"Softmax/opset11-coerced-2d", 11, []int{2, 3, 2, 2}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Softmax", []string{"x"}, map[string]any{"axis": int64(1)})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				flat, _ := graph.Reshape(x, []int{2, 12})
				s, _ := graph.Softmax(flat, 1)
				return graph.Reshape(s, []int{2, 3, 2, 2})
			}
		}},
		{"Softmax/opset13-axis", 13, []int{2, 3, 2, 2}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Softmax", []string{"x"}, map[string]any{"axis": int64(1)})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Softmax(x, 1) }
		}},
		{"Softmax/opset13-default", 13, []int{2, 3, 4}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Softmax", []string{"x"}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Softmax(x, 2) }
		}},
		{"Unsqueeze-Squeeze/opset11-attrs", 11, []int{2, 3}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			u := f.node("Unsqueeze", []string{"x"}, map[string]any{"axes": []int64{0, 3}})
			out := f.node("Squeeze", []string{u}, map[string]any{"axes": []int64{0}})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Reshape(x, []int{2, 3, 1}) }
		}},
		{"Unsqueeze-Squeeze/opset13-inputs", 13, []int{2, 3}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			u := f.node("Unsqueeze", []string{"x", f.ints(0, -1)}, nil)
			out := f.node("Squeeze", []string{u, f.ints(0)}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Reshape(x, []int{2, 3, 1}) }
		}},
		{"Squeeze/no-axes", 13, []int{1, 3, 1, 2}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Squeeze", []string{"x"}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Reshape(x, []int{3, 2}) }
		}},
		{"Pad/opset7-attrs", 7, []int{1, 2, 3, 3}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Pad", []string{"x"}, map[string]any{"pads": []int64{0, 0, 1, 2, 0, 0, 2, 1}, "value": float32(0.5)})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Pad(x, []int{0, 0, 1, 2}, []int{0, 0, 2, 1}, 0.5)
			}
		}},
		{"Pad/opset13-inputs", 13, []int{1, 2, 3, 3}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Pad", []string{"x", f.ints(0, 0, 1, 2, 0, 0, 2, 1), f.floats(nil, 0.5)}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Pad(x, []int{0, 0, 1, 2}, []int{0, 0, 2, 1}, 0.5)
			}
		}},
		{"Pad/opset18-axes", 18, []int{1, 2, 3, 3}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Pad", []string{"x", f.ints(1, 2, 2, 1), "", f.ints(2, 3)}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Pad(x, []int{0, 0, 1, 2}, []int{0, 0, 2, 1}, 0)
			}
		}},
		{"Dropout/opset7-ratio-attr", 7, []int{2, 4}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Dropout", []string{"x"}, map[string]any{"ratio": float32(0.5)})
			out = f.node("Relu", []string{out}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Relu(x) }
		}},
		{"Dropout/opset13-ratio-input", 13, []int{2, 4}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Dropout", []string{"x", f.floats(nil, 0.3)}, nil, 2)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return x, nil }
		}},
		{"Reshape/shape-chain", 13, []int{2, 3, 2, 2}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			// PyTorch's x.view(x.size(0), -1): Shape → Gather → Unsqueeze → Concat → Reshape.
			s := f.node("Shape", []string{"x"}, nil)
			n := f.node("Gather", []string{s, f.ints(0)}, map[string]any{"axis": int64(0)})
			c := f.node("Concat", []string{n, f.ints(-1)}, map[string]any{"axis": int64(0)})
			out := f.node("Reshape", []string{"x", c}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Reshape(x, []int{2, 12}) }
		}},
		{"Reshape/shape-chain-opset9", 9, []int{2, 3, 2, 2}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			s := f.node("Shape", []string{"x"}, nil)
			n := f.node("Gather", []string{s, f.ints(0)}, map[string]any{"axis": int64(0)})
			one := f.node("Constant", nil, map[string]any{"value": &Tensor{Dims: []int64{1}, Int: []int64{-1}, IsInt: true}})
			c := f.node("Concat", []string{n, one}, map[string]any{"axis": int64(0)})
			out := f.node("Reshape", []string{"x", c}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Reshape(x, []int{2, 12}) }
		}},
		{"Gemm/transB-alpha-beta", 13, []int{3, 4}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			w, c := f.weight(5, 4), f.weight(5)
			out := f.node("Gemm", []string{"x", w, c}, map[string]any{"transB": int64(1), "alpha": float32(0.5), "beta": float32(2)})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				y, _ := graph.MatMul(x, cst(g, f.init(w)), false, true, 0.5)
				c2, _ := graph.Mul(cst(g, f.init(c)), cst(g, &graph.Tensor{Data: []float32{2}}))
				return graph.Add(y, c2)
			}
		}},
		{"MatMul-Add/3-D", 13, []int{2, 3, 4}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			w, b := f.weight(4, 5), f.weight(5)
			out := f.node("Add", []string{f.node("MatMul", []string{"x", w}, nil), b}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				x2, _ := graph.Reshape(x, []int{6, 4})
				y, _ := graph.MatMul(x2, cst(g, f.init(w)), false, false, 1)
				y3, _ := graph.Reshape(y, []int{2, 3, 5})
				return graph.Add(y3, cst(g, f.init(b)))
			}
		}},
		{"Sum-Sub-Mul-Div/broadcast", 9, []int{2, 3, 2, 2}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			a := f.floats([]int64{1, 3, 1, 1}, 1, 2, 3)
			s := f.node("Sum", []string{"x", a, "x"}, nil)
			d := f.node("Sub", []string{s, a}, nil)
			m := f.node("Mul", []string{d, "x"}, nil)
			out := f.node("Div", []string{m, a}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				at := cst(g, f.init(a))
				s, _ := graph.Add(x, at)
				s, _ = graph.Add(s, x)
				d, _ := graph.Sub(s, at)
				m, _ := graph.Mul(d, x)
				return graph.Div(m, at)
			}
		}},
		{"BatchNorm-LRN", 9, []int{1, 4, 3, 3}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			sc, b, mu := f.weight(4), f.weight(4), f.weight(4)
			v := f.floats([]int64{4}, 1, 2, 0.5, 3)
			bn := f.node("BatchNormalization", []string{"x", sc, b, mu, v}, map[string]any{"epsilon": float32(1e-3)})
			out := f.node("LRN", []string{bn}, map[string]any{"size": int64(3), "alpha": float32(0.2)})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				y, _ := graph.BatchNorm(x, f.init(sc).Data, f.init(b).Data, f.init(mu).Data, f.init(v).Data, float64(float32(1e-3)), false)
				return graph.LRN(y, graph.LRNParams{Size: 3, Alpha: float64(float32(0.2)), Beta: 0.75, Bias: 1})
			}
		}},
		{"Pools", 13, []int{1, 2, 7, 7}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			mp := f.node("MaxPool", []string{"x"}, map[string]any{"kernel_shape": []int64{3, 3}, "strides": []int64{2, 2}, "pads": []int64{1, 1, 0, 0}, "ceil_mode": int64(1)})
			ap := f.node("AveragePool", []string{mp}, map[string]any{"kernel_shape": []int64{2, 2}, "pads": []int64{1, 1, 1, 1}, "count_include_pad": int64(1)})
			ap2 := f.node("AveragePool", []string{ap}, map[string]any{"kernel_shape": []int64{2, 2}, "pads": []int64{0, 0, 1, 1}})
			out := f.node("GlobalMaxPool", []string{ap2}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				y, _ := graph.MaxPool(x, graph.PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 0, 0}, CeilMode: true})
				y, _ = graph.AveragePool(y, graph.PoolParams{Kernel: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, CountIncludePad: true})
				y, _ = graph.AveragePool(y, graph.PoolParams{Kernel: [2]int{2, 2}, Pads: [4]int{0, 0, 1, 1}})
				return graph.GlobalMaxPool(y)
			}
		}},
		{"Activations-Transpose-Flatten-Concat", 13, []int{1, 2, 3, 2}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			a := f.node("LeakyRelu", []string{"x"}, map[string]any{"alpha": float32(0.2)})
			b := f.node("Sigmoid", []string{"x"}, nil)
			c := f.node("Tanh", []string{f.node("Identity", []string{"x"}, nil)}, nil)
			cat := f.node("Concat", []string{a, b, c}, map[string]any{"axis": int64(-3)})
			tr := f.node("Transpose", []string{cat}, map[string]any{"perm": []int64{0, 2, 3, 1}})
			out := f.node("Flatten", []string{tr}, map[string]any{"axis": int64(2)})
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				a, _ := graph.LeakyRelu(x, 0.2)
				b, _ := graph.Sigmoid(x)
				c, _ := graph.Tanh(x)
				cat, _ := graph.Concat(1, a, b, c)
				tr, _ := graph.Transpose(cat, []int{0, 2, 3, 1})
				return graph.Reshape(tr, []int{3, 12})
			}
		}},
		{"Constant-ConstantOfShape", 12, []int{2, 3}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			k := f.node("Constant", nil, map[string]any{"value_float": float32(1.5)})
			z := f.node("ConstantOfShape", []string{f.ints(2, 3)}, map[string]any{"value": &Tensor{Dims: []int64{1}, Float: []float32{0.25}}})
			out := f.node("Add", []string{f.node("Mul", []string{"x", k}, nil), z}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				y, _ := graph.Mul(x, cst(g, &graph.Tensor{Data: []float32{1.5}}))
				return graph.Add(y, cst(g, &graph.Tensor{Data: []float32{0.25}}))
			}
		}},
		{"Mul(x,x)", 13, []int{2, 3}, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) {
			out := f.node("Mul", []string{"x", "x"}, nil)
			return out, func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Mul(x, x) }
		}},
	}
	runOpFixtures(t, fixtures)
}

// runOpFixtures encodes each fixture, decodes and builds it, and compares
// its output with the same computation through the graph API.
func runOpFixtures(t *testing.T, fixtures []opFixture) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			f := newFixture(fx.opset, fx.in...)
			out, build := fx.make(f)
			m, err := f.model(out)
			if err != nil {
				t.Fatal(err)
			}
			if m.Opset != fx.opset {
				t.Fatalf("opset %d, want %d", m.Opset, fx.opset)
			}
			x := randInput(7, fx.in...)
			got, err := eval(m, out, x)
			if err != nil {
				t.Fatal(err)
			}
			want, err := direct(x, build)
			if err != nil {
				t.Fatal(err)
			}
			closeTo(t, fx.name, got, want, 1e-6)
		})
	}
}

func TestSymbolicBatch(t *testing.T) {
	f := newFixture(13, -1, 2, 4, 4)
	w := f.weight(3, 2, 3, 3)
	out := f.node("Relu", []string{f.node("Conv", []string{"x", w}, map[string]any{"pads": []int64{1, 1, 1, 1}})}, nil)
	m, err := f.model(out)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.InputShape(); err != nil || !slices.Equal(s, []int{1, 2, 4, 4}) {
		t.Fatalf("default input shape %v (%v), want batch 1", s, err)
	}
	x := randInput(3, 3, 2, 4, 4)
	batch, err := eval(m, out, x)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 3; n++ {
		one := &graph.Tensor{Shape: []int{1, 2, 4, 4}, Data: x.Data[n*32 : (n+1)*32]}
		y, err := eval(m, out, one)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range y.Data {
			if batch.Data[n*48+i] != v {
				t.Fatalf("image %d of the batch differs from its own run at %d", n, i)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	f := newFixture(13, 1, 2, 4, 4)
	a := f.node("Unique", []string{"x"}, nil)
	r := f.node("Relu", []string{f.node("Einsum", []string{a}, nil)}, nil)
	out := f.node("Add", []string{r, f.node("Unique", []string{r}, nil)}, nil)
	m, err := f.model(out)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Build(Options{})
	if err == nil || !strings.Contains(err.Error(), "unsupported ops Unique (e.g. at node \"n1\"") || !strings.Contains(err.Error(), "Einsum (e.g. at node \"n2\"") || !strings.Contains(err.Error(), "Conv") {
		t.Fatalf("unsupported op error %q should name every unsupported op, a node of each and the supported set", err)
	}
	// Truncation: a layer before the unsupported op builds.
	f2 := newFixture(13, 1, 2, 4, 4)
	r = f2.node("Relu", []string{"x"}, nil)
	f2.node("Einsum", []string{r}, nil)
	m2, _ := f2.model(r)
	if _, err := m2.Build(Options{Outputs: []string{r}}); err != nil {
		t.Fatalf("truncated build before an unsupported op: %v", err)
	}
	_, err = m2.Build(Options{Outputs: []string{"Relu_2"}})
	if err == nil || !strings.Contains(err.Error(), "closest: Relu_1") {
		t.Fatalf("unknown layer error %q should suggest Relu_1", err)
	}
	f3 := newFixture(MaxOpset+1, 1, 2)
	m3, _ := f3.model(f3.node("Relu", []string{"x"}, nil))
	if m3 != nil {
		t.Fatalf("opset %d should be refused", MaxOpset+1)
	}
	b, _ := f3.m.Encode()
	if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("opset %d", MaxOpset+1)) {
		t.Fatalf("opset error %q", err)
	}
	if _, err := Decode(b[:len(b)/2]); err == nil {
		t.Fatal("truncated model decoded")
	}
	if _, err := Decode([]byte("hello, not onnx")); err == nil {
		t.Fatal("garbage decoded")
	}
}
