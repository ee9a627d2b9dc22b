package graph

import (
	"math"
	"math/rand"
	"testing"
)

// naivePool is a direct float64 pooling reference.
func naivePool(x []float64, xs []int, p PoolParams, isMax bool) []float64 {
	p = p.withDefaults()
	n, c, h, w := xs[0], xs[1], xs[2], xs[3]
	k := pool{p: p, max: isMax}
	os, _ := k.OutShape([][]int{xs})
	oh, ow := os[2], os[3]
	out := make([]float64, n*c*oh*ow)
	for pl := 0; pl < n*c; pl++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				best, sum, cnt, cntPad := math.Inf(-1), 0.0, 0, 0
				for i := 0; i < p.Kernel[0]; i++ {
					for j := 0; j < p.Kernel[1]; j++ {
						y := oy*p.Strides[0] - p.Pads[0] + i*p.Dilations[0]
						xx := ox*p.Strides[1] - p.Pads[1] + j*p.Dilations[1]
						if y >= -p.Pads[0] && y < h+p.Pads[2] && xx >= -p.Pads[1] && xx < w+p.Pads[3] {
							cntPad++
						}
						if y < 0 || y >= h || xx < 0 || xx >= w {
							continue
						}
						v := x[(pl*h+y)*w+xx]
						best = math.Max(best, v)
						sum += v
						cnt++
					}
				}
				o := (pl*oh+oy)*ow + ox
				switch {
				case isMax:
					out[o] = best
				case p.CountIncludePad:
					out[o] = sum / float64(cntPad)
				default:
					out[o] = sum / float64(cnt)
				}
			}
		}
	}
	return out
}

// distinct makes every input value distinct and well separated, so MaxPool's
// argmax is stable under finite-difference steps.
func distinct(rng *rand.Rand, t *Tensor) {
	perm := rng.Perm(len(t.Data))
	for i := range t.Data {
		t.Data[i] = float32(perm[i])*0.05 - 1
	}
}

func TestPool(t *testing.T) {
	for _, c := range []struct {
		name string
		x    []int
		p    PoolParams
	}{
		{"2x2", []int{1, 2, 4, 6}, PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}},
		{"3x3s2-ceil", []int{1, 2, 7, 7}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}},
		{"ceil-pads", []int{2, 1, 6, 5}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 0, 1, 1}, CeilMode: true}},
		{"asym-pads", []int{1, 2, 5, 5}, PoolParams{Kernel: [2]int{3, 2}, Strides: [2]int{1, 2}, Pads: [4]int{0, 1, 2, 0}}},
		{"overlap", []int{1, 1, 6, 6}, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}},
	} {
		for _, isMax := range []bool{true, false} {
			for _, cip := range []bool{false, true} {
				if isMax && cip {
					continue
				}
				p := c.p
				p.CountIncludePad = cip
				name := "AveragePool/" + c.name
				build := func(x *Node) (*Node, error) { return AveragePool(x, p) }
				if isMax {
					name = "MaxPool/" + c.name
					build = func(x *Node) (*Node, error) { return MaxPool(x, p) }
				} else if cip {
					name += "/count_include_pad"
				}
				runOpCase(t, opCase{name: name, in: c.x, build: build, input: distinct,
					ref: func(x []float64) []float64 { return naivePool(x, c.x, p, isMax) }})
			}
		}
	}
	// Dilated max pooling.
	dp := PoolParams{Kernel: [2]int{2, 2}, Dilations: [2]int{2, 2}}
	runOpCase(t, opCase{name: "MaxPool/dilated", in: []int{1, 1, 5, 5}, input: distinct,
		build: func(x *Node) (*Node, error) { return MaxPool(x, dp) },
		ref:   func(x []float64) []float64 { return naivePool(x, []int{1, 1, 5, 5}, dp, true) }})
}

// TestAveragePoolGradientEveryWindow is the regression test for gorgonia's
// AveragePool2D, whose gradient reaches only the first window: with
// non-overlapping 2×2 windows every input pixel must get 1/4 of its
// window's output gradient.
func TestAveragePoolGradientEveryWindow(t *testing.T) {
	g := New()
	x, _ := g.Input("x", 1, 1, 4, 4)
	y, err := AveragePool(x, PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	loss, _ := Dot(y, &Tensor{Shape: []int{1, 1, 2, 2}, Data: []float32{1, 2, 3, 4}})
	p, err := g.Compile(loss)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(NewTensor(1, 1, 4, 4)); err != nil {
		t.Fatal(err)
	}
	grad, _ := p.InputGrad()
	for i, v := range grad.Data {
		window := (i/4/2)*2 + (i%4)/2
		if want := float32(window+1) / 4; v != want {
			t.Fatalf("grad[%d] = %g, want %g", i, v, want)
		}
	}
}

func TestGlobalPool(t *testing.T) {
	shape := []int{2, 3, 4, 5}
	ref := func(isMax bool) func([]float64) []float64 {
		return func(x []float64) []float64 {
			out := make([]float64, 6)
			for p := range out {
				m, s := math.Inf(-1), 0.0
				for _, v := range x[p*20 : (p+1)*20] {
					m, s = math.Max(m, v), s+v
				}
				if isMax {
					out[p] = m
				} else {
					out[p] = s / 20
				}
			}
			return out
		}
	}
	// GlobalAveragePool replaces gorgonia's GlobalAveragePool2D, whose Grad panics.
	runOpCase(t, opCase{name: "GlobalAveragePool", in: shape, build: GlobalAveragePool, ref: ref(false)})
	runOpCase(t, opCase{name: "GlobalMaxPool", in: shape, build: GlobalMaxPool, ref: ref(true), input: distinct})
}

// TestMaxPoolFirstMaximumWide checks MaxPool on planes wide enough for the
// vector row paths, with small integer values so that most windows hold
// ties: the output is each window's maximum and the gradient goes to the
// first maximum in row-major order, as a direct search finds it.
func TestMaxPoolFirstMaximumWide(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, tc := range []struct {
		h, w int
		p    PoolParams
	}{
		{13, 57, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}},
		{12, 56, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}}},
		{10, 40, PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}},
		{9, 41, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}},
		{11, 45, PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}},
		{8, 44, PoolParams{Kernel: [2]int{3, 4}, Strides: [2]int{2, 2}, Pads: [4]int{0, 2, 0, 1}}},
		{7, 50, PoolParams{Kernel: [2]int{2, 5}, Strides: [2]int{1, 1}, Pads: [4]int{0, 2, 1, 2}}},
	} {
		k := pool{p: tc.p.withDefaults(), max: true}
		x := NewTensor(2, 3, tc.h, tc.w)
		for i := range x.Data {
			x.Data[i] = float32(rng.Intn(4))
		}
		shape, err := k.OutShape([][]int{x.Shape})
		if err != nil {
			t.Fatal(err)
		}
		y, gy, gx := NewTensor(shape...), NewTensor(shape...), NewTensor(x.Shape...)
		for i := range gy.Data {
			gy.Data[i] = float32(rng.Intn(1000) + 1)
		}
		k.Forward([]*Tensor{x}, y)
		k.Backward(0, []*Tensor{x}, y, gy, gx)
		want := NewTensor(x.Shape...)
		oh, ow := shape[2], shape[3]
		for pl := 0; pl < 6; pl++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					best, arg := float32(0), -1
					for i := 0; i < tc.p.Kernel[0]; i++ {
						for j := 0; j < tc.p.Kernel[1]; j++ {
							iy, ix := oy*tc.p.Strides[0]-tc.p.Pads[0]+i, ox*tc.p.Strides[1]-tc.p.Pads[1]+j
							if iy < 0 || iy >= tc.h || ix < 0 || ix >= tc.w {
								continue
							}
							o := pl*tc.h*tc.w + iy*tc.w + ix
							if arg < 0 || x.Data[o] > best {
								best, arg = x.Data[o], o
							}
						}
					}
					o := pl*oh*ow + oy*ow + ox
					if y.Data[o] != best {
						t.Fatalf("%v plane %d out (%d,%d) = %g, want %g", tc.p, pl, oy, ox, y.Data[o], best)
					}
					want.Data[arg] += gy.Data[o]
				}
			}
		}
		for i := range want.Data {
			if gx.Data[i] != want.Data[i] {
				t.Fatalf("%v: gradient at %d = %g, want %g", tc.p, i, gx.Data[i], want.Data[i])
			}
		}
	}
}
