package graph

import (
	"math/rand"
	"testing"
)

// naiveConv is a direct float64 convolution (the reference).
func naiveConv(x []float64, xs []int, w *Tensor, b *Tensor, p ConvParams) []float64 {
	p = p.withDefaults()
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	m, cg, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	oh := (h+p.Pads[0]+p.Pads[2]-((kh-1)*p.Dilations[0]+1))/p.Strides[0] + 1
	ow := (wd+p.Pads[1]+p.Pads[3]-((kw-1)*p.Dilations[1]+1))/p.Strides[1] + 1
	mg := m / p.Group
	out := make([]float64, n*m*oh*ow)
	for bi := 0; bi < n; bi++ {
		for o := 0; o < m; o++ {
			g := o / mg
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					s := 0.0
					if b != nil {
						s = float64(b.Data[o])
					}
					for ci := 0; ci < cg; ci++ {
						ch := g*cg + ci
						for i := 0; i < kh; i++ {
							for j := 0; j < kw; j++ {
								y := oy*p.Strides[0] - p.Pads[0] + i*p.Dilations[0]
								xx := ox*p.Strides[1] - p.Pads[1] + j*p.Dilations[1]
								if y < 0 || y >= h || xx < 0 || xx >= wd {
									continue
								}
								s += x[((bi*c+ch)*h+y)*wd+xx] * float64(w.Data[((o*cg+ci)*kh+i)*kw+j])
							}
						}
					}
					out[((bi*m+o)*oh+oy)*ow+ox] = s
				}
			}
		}
	}
	return out
}

func TestConv(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, c := range []struct {
		name string
		x    []int
		w    []int
		bias bool
		p    ConvParams
	}{
		{"plain", []int{1, 2, 5, 6}, []int{3, 2, 3, 3}, true, ConvParams{}},
		{"stride-pad", []int{2, 3, 7, 7}, []int{4, 3, 3, 3}, true, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}},
		{"asymmetric-pads", []int{1, 3, 8, 8}, []int{2, 3, 7, 7}, false, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{2, 2, 3, 3}}},
		{"dilation", []int{1, 2, 9, 8}, []int{2, 2, 3, 2}, true, ConvParams{Dilations: [2]int{2, 3}, Pads: [4]int{0, 1, 2, 0}}},
		{"groups", []int{1, 4, 5, 5}, []int{6, 2, 3, 3}, true, ConvParams{Group: 2, Pads: [4]int{1, 1, 1, 1}}},
		{"depthwise", []int{2, 3, 6, 6}, []int{3, 1, 3, 3}, true, ConvParams{Group: 3, Strides: [2]int{2, 1}, Pads: [4]int{1, 1, 1, 1}}},
		// The depthwise phase planes (depthwise.go): odd and even left
		// pads at stride 2, odd widths, 5×5, dilation, stride 3, runs long
		// enough for the vector body.
		{"depthwise-5x5-s2-oddpad", []int{1, 4, 11, 9}, []int{4, 1, 5, 5}, true, ConvParams{Group: 4, Strides: [2]int{2, 2}, Pads: [4]int{2, 1, 2, 3}}},
		{"depthwise-s2-evenpad", []int{1, 3, 12, 14}, []int{3, 1, 3, 3}, false, ConvParams{Group: 3, Strides: [2]int{2, 2}, Pads: [4]int{0, 2, 1, 1}}},
		{"depthwise-dilated", []int{1, 3, 10, 10}, []int{3, 1, 3, 3}, true, ConvParams{Group: 3, Dilations: [2]int{2, 2}, Pads: [4]int{2, 2, 2, 2}}},
		{"depthwise-s3", []int{1, 2, 13, 12}, []int{2, 1, 3, 3}, true, ConvParams{Group: 2, Strides: [2]int{3, 3}, Pads: [4]int{1, 0, 0, 1}}},
		// An output map over wholeMap's size: the chunked rows.
		{"big-map", []int{1, 1, 66, 64}, []int{2, 1, 3, 3}, true, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}},
		{"depthwise-wide", []int{2, 5, 16, 20}, []int{5, 1, 3, 3}, true, ConvParams{Group: 5, Pads: [4]int{1, 1, 1, 1}}},
		{"pointwise", []int{2, 4, 3, 3}, []int{5, 4, 1, 1}, true, ConvParams{}},
	} {
		w := randTensor(rng, c.w...)
		var b *Tensor
		if c.bias {
			b = randTensor(rng, c.w[0])
		}
		// Conv, and the same with the Relu fused in.
		for _, op := range []struct {
			name string
			f    func(x, w, b *Node, p ConvParams) (*Node, error)
			relu bool
		}{{"Conv", Conv, false}, {"ConvRelu", ConvRelu, true}} {
			runOpCase(t, opCase{name: op.name + "/" + c.name, in: c.x,
				build: func(x *Node) (*Node, error) {
					var bn *Node
					if b != nil {
						bn = x.graph.Const(b)
					}
					return op.f(x, x.graph.Const(w), bn, c.p)
				},
				ref: func(x []float64) []float64 {
					y := naiveConv(x, c.x, w, b, c.p)
					for i, v := range y {
						if op.relu {
							y[i] = max(v, 0)
						}
					}
					return y
				},
			})
		}
	}
}

func TestAutoPad(t *testing.T) {
	// 28 input, 5 kernel, stride 1: SAME needs 4 pads, 2 on each side.
	p, err := AutoPad("SAME_UPPER", [2]int{28, 7}, [2]int{5, 2}, [2]int{1, 2}, [2]int{1, 1}, [4]int{})
	if err != nil {
		t.Fatal(err)
	}
	// axis 1: out = ceil(7/2) = 4, total = 3·2 + 2 − 7 = 1 → SAME_UPPER puts it at the end.
	if p != [4]int{2, 0, 2, 1} {
		t.Fatalf("SAME_UPPER pads %v, want [2 0 2 1]", p)
	}
	p, _ = AutoPad("SAME_LOWER", [2]int{28, 7}, [2]int{5, 2}, [2]int{1, 2}, [2]int{1, 1}, [4]int{})
	if p != [4]int{2, 1, 2, 0} {
		t.Fatalf("SAME_LOWER pads %v, want [2 1 2 0]", p)
	}
}
