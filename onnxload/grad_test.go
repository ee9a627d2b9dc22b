package onnxload

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestFixtureNetGradients: the input gradient of small loaded networks
// matches central finite differences of the loss along random directions
// (directional derivatives are robust to the few ReLU/MaxPool kinks a step
// may cross, where element-wise differences are not).
func TestFixtureNetGradients(t *testing.T) {
	nets := map[string]func() (*fixture, string){
		"conv-relu-maxpool-gemm-softmax": func() (*fixture, string) {
			f := newFixture(13, 1, 3, 9, 9)
			c := f.node("Conv", []string{"x", f.weight(4, 3, 3, 3), f.weight(4)}, map[string]any{"pads": []int64{1, 1, 1, 1}, "strides": []int64{2, 2}})
			r := f.node("Relu", []string{c}, nil)
			p := f.node("MaxPool", []string{r}, map[string]any{"kernel_shape": []int64{3, 3}, "strides": []int64{2, 2}, "ceil_mode": int64(1)})
			fl := f.node("Flatten", []string{p}, nil)
			g := f.node("Gemm", []string{fl, f.weight(5, 16), f.weight(5)}, map[string]any{"transB": int64(1)})
			return f, f.node("Softmax", []string{g}, nil)
		},
		"caffenet-like-groups-lrn-avgpool": func() (*fixture, string) {
			f := newFixture(9, 1, 4, 8, 8)
			c := f.node("Conv", []string{"x", f.weight(6, 2, 3, 3)}, map[string]any{"group": int64(2), "pads": []int64{0, 0, 1, 1}})
			l := f.node("LRN", []string{f.node("Relu", []string{c}, nil)}, map[string]any{"size": int64(5), "alpha": float32(0.1)})
			return f, f.node("AveragePool", []string{l}, map[string]any{"kernel_shape": []int64{2, 2}, "strides": []int64{2, 2}})
		},
		"mobilenet-like-depthwise-clip-residual-gap": func() (*fixture, string) {
			f := newFixture(13, 2, 3, 6, 6)
			c := f.node("Conv", []string{"x", f.weight(3, 1, 3, 3), f.weight(3)}, map[string]any{"group": int64(3), "pads": []int64{1, 1, 1, 1}})
			r6 := f.node("Clip", []string{c, f.floats(nil, 0), f.floats(nil, 6)}, nil)
			bn := f.node("BatchNormalization", []string{r6, f.weight(3), f.weight(3), f.weight(3), f.floats([]int64{3}, 1, 2, 3)}, nil)
			a := f.node("Add", []string{bn, "x"}, nil)
			g := f.node("GlobalAveragePool", []string{a}, nil)
			return f, f.node("MatMul", []string{f.node("Flatten", []string{g}, nil), f.weight(3, 4)}, nil)
		},
		// 1-D convolution, pooling and transposed convolution ([N, C, L]).
		"conv1d-pool1d-convtranspose1d": func() (*fixture, string) {
			f := newFixture(13, 1, 2, 11)
			c := f.node("Conv", []string{"x", f.weight(3, 2, 3), f.weight(3)}, map[string]any{"pads": []int64{1, 1}, "strides": []int64{2}})
			p := f.node("AveragePool", []string{f.node("Tanh", []string{c}, nil)}, map[string]any{"kernel_shape": []int64{2}, "strides": []int64{1}})
			m := f.node("MaxPool", []string{p}, map[string]any{"kernel_shape": []int64{2}, "strides": []int64{2}})
			return f, f.node("ConvTranspose", []string{m, f.weight(3, 2, 3)}, map[string]any{"strides": []int64{2}})
		},
		// Values moved by stored indices: GatherElements, ScatterElements
		// (none and add), Compress.
		"gatherelements-scatterelements-compress": func() (*fixture, string) {
			f := newFixture(13, 2, 4)
			idx := func(v ...int64) string {
				f.n++
				name := fmt.Sprintf("idx%d", f.n)
				f.m.Initializers[name] = &Tensor{Dims: []int64{2, int64(len(v) / 2)}, Int: v, IsInt: true, DataType: 7}
				return name
			}
			g := f.node("GatherElements", []string{"x", idx(3, 0, 1, 1, 2, 3)}, map[string]any{"axis": int64(1)})
			sq := f.node("Mul", []string{g, g}, nil)
			sc := f.node("ScatterElements", []string{"x", idx(1, 2, 0, 0, 0, 3), sq}, map[string]any{"axis": int64(1)})
			sa := f.node("ScatterElements", []string{sc, idx(2, 2, 2, 1, 1, 1), sq}, map[string]any{"axis": int64(1), "reduction": "add"})
			cond := f.floats([]int64{4}, 1, 0, 1, 1)
			return f, f.node("Compress", []string{f.node("Tanh", []string{sa}, nil), cond}, map[string]any{"axis": int64(1)})
		},
		// GatherND, ScatterND (add), MaxUnpool, ReverseSequence, Det.
		"gathernd-scatternd-maxunpool-reversesequence-det": func() (*fixture, string) {
			f := newFixture(13, 1, 1, 2, 2)
			ints := func(dims []int64, v ...int64) string {
				f.n++
				name := fmt.Sprintf("ints%d", f.n)
				f.m.Initializers[name] = &Tensor{Dims: dims, Int: v, IsInt: true, DataType: 7}
				return name
			}
			u := f.node("MaxUnpool", []string{"x", ints([]int64{1, 1, 2, 2}, 0, 3, 9, 14)}, map[string]any{"kernel_shape": []int64{2, 2}, "strides": []int64{2, 2}})
			r := f.node("Reshape", []string{f.node("Tanh", []string{u}, nil), ints([]int64{2}, 4, 4)}, nil)
			rs := f.node("ReverseSequence", []string{r, ints([]int64{4}, 4, 3, 2, 1)}, map[string]any{"time_axis": int64(1), "batch_axis": int64(0)})
			sc := f.node("ScatterND", []string{rs, ints([]int64{2, 1}, 1, 1), f.node("GatherND", []string{rs, ints([]int64{2, 1}, 0, 3)}, nil)}, map[string]any{"reduction": "add"})
			e := f.node("Add", []string{sc, f.floats([]int64{4, 4}, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)}, nil)
			return f, f.node("Det", []string{e}, nil)
		},
		// 3-D pooling, built as two 2-D ones (few windows: a step of the
		// finite differences that swaps a window's maximum would fail it).
		"pool3d": func() (*fixture, string) {
			f := newFixture(13, 1, 1, 4, 3, 4)
			m := f.node("MaxPool", []string{"x"}, map[string]any{"kernel_shape": []int64{2, 2, 2}, "strides": []int64{2, 2, 2}, "pads": []int64{0, 1, 0, 0, 0, 0}})
			return f, f.node("AveragePool", []string{f.node("Tanh", []string{m}, nil)}, map[string]any{"kernel_shape": []int64{2, 1, 2}, "count_include_pad": int64(1)})
		},
		// RoiAlign (avg) on fixed regions.
		"roialign": func() (*fixture, string) {
			f := newFixture(16, 1, 2, 6, 6)
			rois := f.floats([]int64{2, 4}, 0.5, 0.5, 4.5, 3.2, 1, 2, 5.5, 5.5)
			f.n++
			bi := fmt.Sprintf("bi%d", f.n)
			f.m.Initializers[bi] = &Tensor{Dims: []int64{2}, Int: []int64{0, 0}, IsInt: true, DataType: 7}
			return f, f.node("RoiAlign", []string{f.node("Tanh", []string{"x"}, nil), rois, bi}, map[string]any{"output_height": int64(2), "output_width": int64(3), "sampling_ratio": int64(2)})
		},
		// The ops the conformance suite brought: MeanVarianceNormalization,
		// Celu, the trigonometric and hyperbolic family, ReduceProd.
		"mvn-celu-trig-reduceprod": func() (*fixture, string) {
			f := newFixture(13, 1, 3, 5, 5)
			c := f.node("Conv", []string{"x", f.weight(4, 3, 3, 3)}, map[string]any{"pads": []int64{1, 1, 1, 1}})
			m := f.node("MeanVarianceNormalization", []string{c}, nil)
			e := f.node("Celu", []string{m}, map[string]any{"alpha": float32(0.8)})
			a := f.node("Atan", []string{e}, nil)
			s := f.node("Sinh", []string{a}, nil)
			th := f.node("Tanh", []string{f.node("Asinh", []string{s}, nil)}, nil)
			return f, f.node("ReduceProd", []string{f.node("Cosh", []string{th}, nil)}, map[string]any{"axes": []int64{1}})
		},
	}
	for name, make := range nets {
		t.Run(name, func(t *testing.T) {
			f, out := make()
			m, err := f.model(out)
			if err != nil {
				t.Fatal(err)
			}
			shape, _ := m.InputShape()
			x := randInput(11, shape...)
			net, err := m.Build(Options{Outputs: []string{out}})
			if err != nil {
				t.Fatal(err)
			}
			y := net.Outputs[out]
			r := randInput(12, y.Shape()...)
			loss, err := graph.Dot(y, r)
			if err != nil {
				t.Fatal(err)
			}
			p, err := net.Graph.Compile(loss)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			lossAt := func(x *graph.Tensor) float64 {
				if err := p.Run(x); err != nil {
					t.Fatal(err)
				}
				l, _ := p.Loss()
				return l
			}
			lossAt(x)
			grad, _ := p.InputGrad()
			rng := rand.New(rand.NewSource(5))
			for k := 0; k < 5; k++ {
				v := graph.NewTensor(shape...)
				dot := 0.0
				for i := range v.Data {
					v.Data[i] = float32(rng.NormFloat64())
					dot += float64(v.Data[i]) * float64(grad.Data[i])
				}
				const h = 1e-3
				xp, xm := x.Clone(), x.Clone()
				for i := range v.Data {
					xp.Data[i] += h * v.Data[i]
					xm.Data[i] -= h * v.Data[i]
				}
				fd := (lossAt(xp) - lossAt(xm)) / (2 * h)
				if math.Abs(fd-dot) > 1e-2*math.Max(math.Abs(fd), 1e-3) {
					t.Errorf("direction %d: ⟨∇L, v⟩ = %.6g, finite difference %.6g", k, dot, fd)
				}
			}
		})
	}
}

// TestConvReluFusion: a Conv read only by a Relu is built as one ConvRelu
// op with the same values and input gradient as the two ops, and a Conv
// whose own output is asked for keeps it (negative values included).
func TestConvReluFusion(t *testing.T) {
	f := newFixture(13, 1, 3, 10, 10)
	c1 := f.node("Conv", []string{"x", f.weight(6, 3, 3, 3), f.weight(6)}, map[string]any{"pads": []int64{1, 1, 1, 1}})
	r1 := f.node("Relu", []string{c1}, nil)
	c2 := f.node("Conv", []string{r1, f.weight(4, 6, 1, 1)}, nil)
	r2 := f.node("Relu", []string{c2}, nil)
	m, err := f.model(r2)
	if err != nil {
		t.Fatal(err)
	}
	x := randInput(3, 1, 3, 10, 10)
	run := func(outputs ...string) ([]graph.OpTime, *graph.Tensor, *graph.Tensor, map[string]*graph.Tensor) {
		prof, vals, g := fusionRun(t, m, x, r2, 4, outputs...)
		return prof, vals[r2], g, vals
	}
	ops := func(prof []graph.OpTime) (fused, relus int) {
		for _, o := range prof {
			if strings.HasPrefix(o.Op, "ConvRelu") {
				fused++
			}
			if o.Op == "Relu" {
				relus++
			}
		}
		return
	}
	prof, yf, gf, _ := run(r2)
	if f, r := ops(prof); f != 2 || r != 0 { // the two convolutions print differently
		t.Fatalf("fused graph ran %d kinds of ConvRelu and %d Relu ops: %v", f, r, prof)
	}
	prof, yu, gu, vals := run(r2, c1, c2)
	if f, r := ops(prof); f != 0 || r != 1 {
		t.Fatalf("unfused graph ran ConvRelu (%d) or no Relu (%d): %v", f, r, prof)
	}
	closeTo(t, "fused output", yf, yu, 1e-6)
	closeTo(t, "fused gradient", gf, gu, 1e-6)
	neg := false
	for _, v := range vals[c1].Data {
		neg = neg || v < 0
	}
	if !neg {
		t.Fatal("the requested pre-Relu output has no negative values: it was fused")
	}
}

// TestBatchNormReluFusion: a BatchNormalization read only by a Relu (as
// in DenseNet, before each convolution) is built as one ChannelAffineRelu
// op with the values and input gradient of the two ops apart (which it
// stays where the normalisation's own output is asked for).
func TestBatchNormReluFusion(t *testing.T) {
	f := newFixture(13, 1, 4, 6, 7)
	sc, b, mu := f.weight(4), f.weight(4), f.weight(4)
	v := f.floats([]int64{4}, 1, 2, 0.5, 3)
	bn := f.node("BatchNormalization", []string{"x", sc, b, mu, v}, map[string]any{"epsilon": float32(1e-3)})
	r := f.node("Relu", []string{bn}, nil)
	out := f.node("Conv", []string{r, f.weight(3, 4, 1, 1)}, nil)
	m, err := f.model(out)
	if err != nil {
		t.Fatal(err)
	}
	x := randInput(5, 1, 4, 6, 7)
	run := func(outputs ...string) (fused int, y, g *graph.Tensor) {
		prof, vals, g := fusionRun(t, m, x, out, 6, outputs...)
		for _, o := range prof {
			if strings.HasPrefix(o.Op, "ChannelAffineRelu") {
				fused++
			}
		}
		return fused, vals[out], g
	}
	nf, yf, gf := run(out)
	nu, yu, gu := run(out, bn)
	if nf != 1 || nu != 0 {
		t.Fatalf("ChannelAffineRelu ops: %d fused, %d with the normalisation's output asked for", nf, nu)
	}
	closeTo(t, "fused output", yf, yu, 1e-6)
	closeTo(t, "fused gradient", gf, gu, 1e-6)
}

// fusionRun builds m with outputs asked for (the fusion tests' way of
// keeping an inner value), runs a dot-product loss on node last at x with
// the profile on, and returns the profile, the outputs' values and the
// input gradient.
func fusionRun(t *testing.T, m *Model, x *graph.Tensor, last string, seed int64, outputs ...string) ([]graph.OpTime, map[string]*graph.Tensor, *graph.Tensor) {
	t.Helper()
	net, err := m.Build(Options{Outputs: outputs})
	if err != nil {
		t.Fatal(err)
	}
	y := net.Outputs[last]
	loss, _ := graph.Dot(y, randInput(seed, y.Shape()...))
	var outs []*graph.Node
	for _, o := range outputs {
		outs = append(outs, net.Outputs[o])
	}
	p, err := net.Graph.Compile(loss, outs...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.EnableProfile()
	if err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	vals := map[string]*graph.Tensor{}
	for i, o := range outputs {
		vals[o], _ = p.Output(i)
	}
	g, _ := p.InputGrad()
	return p.Profile(), vals, g
}
