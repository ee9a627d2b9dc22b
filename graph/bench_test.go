package graph

import (
	"math/rand"
	"testing"

	"github.com/invrep/invrep/graph/testenv"
)

// benchOp times an op's forward or input gradient through a compiled
// program and reports GFLOP/s for the given flop count per run.
func benchOp(b *testing.B, in []int, flops float64, grad bool, build func(x *Node) (*Node, error)) {
	rng := rand.New(rand.NewSource(1))
	x := randTensor(rng, in...)
	g := New()
	xin, _ := g.Input("x", in...)
	y, err := build(xin)
	if err != nil {
		b.Fatal(err)
	}
	var loss *Node
	if grad {
		if loss, err = Dot(y, randTensor(rng, y.shape...)); err != nil {
			b.Fatal(err)
		}
	}
	p, err := g.Compile(loss, y)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	if grad {
		flops *= 2 // forward + input gradient
	}
	testenv.Loop(b, flops, func() error { return p.Run(x) })
}

func convBench(b *testing.B, in, w []int, p ConvParams, grad bool) {
	rng := rand.New(rand.NewSource(2))
	wt := randTensor(rng, w...)
	k := conv{p: p.withDefaults()}
	out, _ := k.OutShape([][]int{in, w})
	flops := 2 * float64(Numel(out)) * float64(w[1]*w[2]*w[3])
	benchOp(b, in, flops, grad, func(x *Node) (*Node, error) { return Conv(x, x.graph.Const(wt), nil, p) })
}

// SqueezeNet 1.1's first convolution, a fire module's 1×1 squeeze and 3×3
// expand, and a MobileNetV2 depthwise convolution.
func BenchmarkConv3x3s2First(b *testing.B) {
	convBench(b, []int{1, 3, 224, 224}, []int{64, 3, 3, 3}, ConvParams{Strides: [2]int{2, 2}}, false)
}
func BenchmarkConv3x3s2FirstGrad(b *testing.B) {
	convBench(b, []int{1, 3, 224, 224}, []int{64, 3, 3, 3}, ConvParams{Strides: [2]int{2, 2}}, true)
}
func BenchmarkConv1x1Squeeze(b *testing.B) {
	convBench(b, []int{1, 128, 55, 55}, []int{16, 128, 1, 1}, ConvParams{}, false)
}
func BenchmarkConv1x1SqueezeGrad(b *testing.B) {
	convBench(b, []int{1, 128, 55, 55}, []int{16, 128, 1, 1}, ConvParams{}, true)
}
func BenchmarkConv3x3Expand(b *testing.B) {
	convBench(b, []int{1, 16, 55, 55}, []int{64, 16, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}, false)
}
func BenchmarkConv3x3ExpandGrad(b *testing.B) {
	convBench(b, []int{1, 16, 55, 55}, []int{64, 16, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}, true)
}
func BenchmarkConvDepthwiseGrad(b *testing.B) {
	convBench(b, []int{1, 96, 56, 56}, []int{96, 1, 3, 3}, ConvParams{Group: 96, Pads: [4]int{1, 1, 1, 1}}, true)
}

func BenchmarkMaxPool3x3s2Grad(b *testing.B) {
	p := PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}
	benchOp(b, []int{1, 64, 111, 111}, 9*64*55*55, true, func(x *Node) (*Node, error) { return MaxPool(x, p) })
}

// ResNet's stem pool: padded, floor mode, on a 112×112 map.
func BenchmarkMaxPool3x3s2Padded(b *testing.B) {
	p := PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}
	benchOp(b, []int{1, 64, 112, 112}, 9*64*56*56, false, func(x *Node) (*Node, error) { return MaxPool(x, p) })
}

func BenchmarkLRNGrad(b *testing.B) {
	p := LRNParams{Size: 5, Alpha: 1e-4, Beta: 0.75, Bias: 1}
	benchOp(b, []int{1, 96, 55, 55}, 2*5*96*55*55, true, func(x *Node) (*Node, error) { return LRN(x, p) })
}

// CaffeNet's grouped 5×5 conv2 and its 3×3 conv3 on 13×13 maps.
func BenchmarkConvCaffeNet2Grad(b *testing.B) {
	convBench(b, []int{1, 96, 27, 27}, []int{256, 48, 5, 5}, ConvParams{Pads: [4]int{2, 2, 2, 2}, Group: 2}, true)
}
func BenchmarkConvCaffeNet3Grad(b *testing.B) {
	convBench(b, []int{1, 256, 13, 13}, []int{384, 256, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}, true)
}
func BenchmarkConvCaffeNet1Grad(b *testing.B) {
	convBench(b, []int{1, 3, 227, 227}, []int{96, 3, 11, 11}, ConvParams{Strides: [2]int{4, 4}}, true)
}

// BenchmarkCompileChain builds and compiles a chain of 10,000 elementwise
// ops with its gradient: setup cost per node (gorgonia's tape machine took
// 10 s here, growing with the square of the node count).
func BenchmarkCompileChain(b *testing.B) {
	for i := 0; i < b.N; i++ {
		g := New()
		x, _ := g.Input("x", 1, 3, 8, 8)
		y := x
		for k := 0; k < 10000; k++ {
			if k%2 == 0 {
				y, _ = Relu(y)
			} else {
				y, _ = Sigmoid(y)
			}
		}
		loss, _ := Dot(y, NewTensor(1, 3, 8, 8))
		if _, err := g.Compile(loss); err != nil {
			b.Fatal(err)
		}
	}
}

// A ResNet-50 bottleneck's three convolutions in layer1 (56×56 maps) and
// layer3 (14×14): 1×1 reduce, 3×3, 1×1 expand, each with its gradient.
func BenchmarkConvResNetGrad(b *testing.B) {
	for _, s := range []struct {
		name   string
		c, hw  int
		m, k   int
		padded bool
	}{
		{"layer1-reduce", 256, 56, 64, 1, false},
		{"layer1-3x3", 64, 56, 64, 3, true},
		{"layer1-expand", 64, 56, 256, 1, false},
		{"layer3-reduce", 1024, 14, 256, 1, false},
		{"layer3-3x3", 256, 14, 256, 3, true},
		{"layer3-expand", 256, 14, 1024, 1, false},
	} {
		p := ConvParams{}
		if s.padded {
			p.Pads = [4]int{1, 1, 1, 1}
		}
		b.Run(s.name, func(b *testing.B) {
			convBench(b, []int{1, s.c, s.hw, s.hw}, []int{s.m, s.c, s.k, s.k}, p, true)
		})
	}
}

// BenchmarkConvDenseNet3x3 times DenseNet-121's 3×3 growth convolutions
// (128 → 32 channels) at the map sizes of its three middle blocks.
func BenchmarkConvDenseNet3x3(b *testing.B) {
	p := ConvParams{Pads: [4]int{1, 1, 1, 1}}
	for _, hw := range []int{56, 28, 14} {
		b.Run("fwd", func(b *testing.B) { convBench(b, []int{1, 128, hw, hw}, []int{32, 128, 3, 3}, p, false) })
		b.Run("grad", func(b *testing.B) { convBench(b, []int{1, 128, hw, hw}, []int{32, 128, 3, 3}, p, true) })
	}
}

// BenchmarkSparseConvHOGBlocks times HOG's block stacking on the cell map
// of a 500×333 photo: 18 orientation planes of 41×62 cells into 108
// channels of 2×2 blocks, each a shifted copy of one plane (or the sum of
// two), forward and input gradient. GFLOP/s counts the taps' multiply-adds.
func BenchmarkSparseConvHOGBlocks(b *testing.B) {
	in := []int{1, 18, 41, 62}
	w := NewTensor(108, 18, 2, 2)
	taps := 0
	for c := 0; c < 4; c++ {
		i, j := c%2, c/2
		for o := 0; o < 18; o++ {
			w.Data[(((27*c+o)*18+o)*2+i)*2+j] = 1
			taps++
		}
		for o := 0; o < 9; o++ {
			w.Data[(((27*c+18+o)*18+o)*2+i)*2+j] = 1
			w.Data[(((27*c+18+o)*18+o+9)*2+i)*2+j] = 1
			taps += 2
		}
	}
	flops := 2 * float64(taps) * 40 * 61
	benchOp(b, in, flops, true, func(x *Node) (*Node, error) { return Conv(x, x.graph.Const(w), nil, ConvParams{}) })
}
