package onnxload

import (
	"math"
	"math/rand"
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
