package onnxload

import (
	"slices"
	"testing"

	"github.com/invrep/invrep/graph"
)

type viaGraph = func(*graph.Graph, *graph.Node) (*graph.Node, error)

func mathVia(fn graph.MathFn, a, b float64) viaGraph {
	return func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Math(x, fn, a, b) }
}

func reduceVia(kind graph.ReduceKind, axes []int, keep bool) viaGraph {
	return func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Reduce(x, kind, axes, keep) }
}

// TestModernOpFixtures covers the ops of modern exports in each opset form
// (attributes that became inputs, defaults that changed), against the
// graph API.
func TestModernOpFixtures(t *testing.T) {
	fx := func(name string, opset int64, in []int, mk func(f *fixture) (string, viaGraph)) opFixture {
		return opFixture{name, opset, in, func(f *fixture) (string, func(*graph.Graph, *graph.Node) (*graph.Node, error)) { return mk(f) }}
	}
	fixtures := []opFixture{
		fx("ReduceMean/opset13-attr", 13, []int{2, 3, 4}, func(f *fixture) (string, viaGraph) {
			return f.node("ReduceMean", []string{"x"}, map[string]any{"axes": []int64{-1}}), reduceVia(graph.ReduceMean, []int{2}, true)
		}),
		fx("ReduceMean/opset18-input-nokeep", 18, []int{2, 3, 4}, func(f *fixture) (string, viaGraph) {
			return f.node("ReduceMean", []string{"x", f.ints(1, -1)}, map[string]any{"keepdims": int64(0)}), reduceVia(graph.ReduceMean, []int{1, 2}, false)
		}),
		fx("ReduceMax/opset18-noop", 18, []int{2, 3}, func(f *fixture) (string, viaGraph) {
			r := f.node("ReduceMax", []string{"x"}, map[string]any{"noop_with_empty_axes": int64(1)})
			return f.node("Relu", []string{r}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Relu(x) }
		}),
		fx("ReduceSum/opset11-attr-all", 11, []int{2, 3}, func(f *fixture) (string, viaGraph) {
			return f.node("ReduceSum", []string{"x"}, nil), reduceVia(graph.ReduceSum, nil, true)
		}),
		fx("ReduceSum/opset13-input", 13, []int{2, 3}, func(f *fixture) (string, viaGraph) {
			return f.node("ReduceSum", []string{"x", f.ints(0)}, nil), reduceVia(graph.ReduceSum, []int{0}, true)
		}),
		fx("ReduceL2", 13, []int{2, 3}, func(f *fixture) (string, viaGraph) {
			return f.node("ReduceL2", []string{"x"}, map[string]any{"axes": []int64{1}}), reduceVia(graph.ReduceL2, []int{1}, true)
		}),
		fx("ReduceSumSquare", 18, []int{2, 3}, func(f *fixture) (string, viaGraph) {
			return f.node("ReduceSumSquare", []string{"x", f.ints(1)}, nil), reduceVia(graph.ReduceSumSquare, []int{1}, true)
		}),
		fx("Gelu/opset20-none", 20, []int{7}, func(f *fixture) (string, viaGraph) {
			return f.node("Gelu", []string{"x"}, nil), mathVia(graph.FnGelu, 0, 0)
		}),
		fx("Gelu/opset20-tanh", 20, []int{7}, func(f *fixture) (string, viaGraph) {
			return f.node("Gelu", []string{"x"}, map[string]any{"approximate": "tanh"}), mathVia(graph.FnGeluTanh, 0, 0)
		}),
		fx("HardSigmoid/defaults", 13, []int{9}, func(f *fixture) (string, viaGraph) {
			return f.node("HardSigmoid", []string{"x"}, nil), mathVia(graph.FnHardSigmoid, 0.2, 0.5)
		}),
		fx("HardSwish", 14, []int{9}, func(f *fixture) (string, viaGraph) {
			return f.node("HardSwish", []string{"x"}, nil), mathVia(graph.FnHardSwish, 0, 0)
		}),
		fx("Selu/defaults", 13, []int{9}, func(f *fixture) (string, viaGraph) {
			return f.node("Selu", []string{"x"}, nil), mathVia(graph.FnSelu, float64(float32(1.67326319217681884765625)), float64(float32(1.05070102214813232421875)))
		}),
		fx("Elu", 13, []int{9}, func(f *fixture) (string, viaGraph) {
			return f.node("Elu", []string{"x"}, map[string]any{"alpha": float32(0.5)}), mathVia(graph.FnElu, 0.5, 1)
		}),
		fx("Pow/const-exponent", 13, []int{9}, func(f *fixture) (string, viaGraph) {
			return f.node("Pow", []string{"x", f.floats(nil, 2)}, nil), mathVia(graph.FnPow, 2, 0)
		}),
		fx("Sqrt-Reciprocal-Abs", 13, []int{9}, func(f *fixture) (string, viaGraph) {
			a := f.node("Abs", []string{"x"}, nil)
			return f.node("Reciprocal", []string{f.node("Sqrt", []string{f.node("Add", []string{a, f.floats(nil, 1)}, nil)}, nil)}, nil),
				func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
					a, _ := graph.Math(x, graph.FnAbs, 0, 0)
					s, _ := graph.Math(a, graph.FnScale, 1, 1)
					r, _ := graph.Math(s, graph.FnSqrt, 0, 0)
					return graph.Math(r, graph.FnReciprocal, 0, 0)
				}
		}),
		fx("PRelu/channel-slope", 13, []int{1, 3, 2, 2}, func(f *fixture) (string, viaGraph) {
			w := f.weight(3, 1, 1)
			return f.node("PRelu", []string{"x", w}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.PRelu(x, g.Const(f.init(w))) }
		}),
		fx("Max-Min-Mean/variadic", 13, []int{2, 3}, func(f *fixture) (string, viaGraph) {
			w := f.weight(3)
			mx := f.node("Max", []string{"x", w}, nil)
			mn := f.node("Min", []string{"x", w, mx}, nil)
			return f.node("Mean", []string{mx, mn}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				c := g.Const(f.init(w))
				mx, _ := graph.Max(x, c)
				mn, _ := graph.Min(x, c)
				mn, _ = graph.Min(mn, mx)
				s, _ := graph.Add(mx, mn)
				return graph.Math(s, graph.FnScale, 0.5, 0)
			}
		}),
		fx("LayerNormalization/opset17", 17, []int{2, 3, 8}, func(f *fixture) (string, viaGraph) {
			sc, bi := f.weight(8), f.weight(8)
			return f.node("LayerNormalization", []string{"x", sc, bi}, map[string]any{"epsilon": float32(1e-6)}),
				func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
					return graph.LayerNorm(x, -1, g.Const(f.init(sc)), g.Const(f.init(bi)), float64(float32(1e-6)))
				}
		}),
		fx("GroupNormalization/opset18-per-group", 18, []int{2, 6, 3, 3}, func(f *fixture) (string, viaGraph) {
			sc, bi := f.floats([]int64{3}, 1, 2, 3), f.floats([]int64{3}, 0, -1, 1)
			return f.node("GroupNormalization", []string{"x", sc, bi}, map[string]any{"num_groups": int64(3)}),
				func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
					s := &graph.Tensor{Shape: []int{6}, Data: []float32{1, 1, 2, 2, 3, 3}}
					b := &graph.Tensor{Shape: []int{6}, Data: []float32{0, 0, -1, -1, 1, 1}}
					return graph.GroupNorm(x, 3, g.Const(s), g.Const(b), 1e-5)
				}
		}),
		fx("GroupNormalization/opset21-per-channel", 21, []int{2, 6, 3, 3}, func(f *fixture) (string, viaGraph) {
			sc, bi := f.weight(6), f.weight(6)
			return f.node("GroupNormalization", []string{"x", sc, bi}, map[string]any{"num_groups": int64(2)}),
				func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
					return graph.GroupNorm(x, 2, g.Const(f.init(sc)), g.Const(f.init(bi)), 1e-5)
				}
		}),
		fx("InstanceNormalization", 13, []int{2, 3, 4, 4}, func(f *fixture) (string, viaGraph) {
			sc, bi := f.weight(3), f.weight(3)
			return f.node("InstanceNormalization", []string{"x", sc, bi}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.GroupNorm(x, 3, g.Const(f.init(sc)), g.Const(f.init(bi)), 1e-5)
			}
		}),
		fx("MatMul/batched-attention", 13, []int{1, 2, 5, 4}, func(f *fixture) (string, viaGraph) {
			k := f.node("Transpose", []string{"x"}, map[string]any{"perm": []int64{0, 1, 3, 2}})
			return f.node("MatMul", []string{"x", k}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				k, _ := graph.Transpose(x, []int{0, 1, 3, 2})
				return graph.BatchMatMul(x, k)
			}
		}),
		fx("MatMul/1-D", 13, []int{4}, func(f *fixture) (string, viaGraph) {
			w := f.weight(4, 3)
			return f.node("MatMul", []string{"x", w}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				r, _ := graph.Reshape(x, []int{1, 4})
				y, _ := graph.MatMul(r, g.Const(f.init(w)), false, false, 1)
				return graph.Reshape(y, []int{3})
			}
		}),
		fx("LogSoftmax/opset13", 13, []int{2, 5}, func(f *fixture) (string, viaGraph) {
			return f.node("LogSoftmax", []string{"x"}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.LogSoftmax(x, -1) }
		}),
		fx("Slice/negative-steps", 13, []int{2, 6, 5}, func(f *fixture) (string, viaGraph) {
			return f.node("Slice", []string{"x", f.ints(-1, 0), f.ints(-1<<63, 5), f.ints(1, 2), f.ints(-2, 2)}, nil),
				func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
					return graph.StridedSlice(x, []int{0, 5, 0}, []int{1, -2, 2}, []int{2, 3, 3})
				}
		}),
		fx("Gather/class-token", 13, []int{1, 5, 4}, func(f *fixture) (string, viaGraph) {
			idx := f.ints(0)
			f.m.Initializers[idx].Dims = nil // a scalar index drops the axis
			return f.node("Gather", []string{"x", idx}, map[string]any{"axis": int64(1)}), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Take(x, 1, []int{0}, nil)
			}
		}),
		fx("Expand-Concat/class-token", 13, []int{2, 3, 4}, func(f *fixture) (string, viaGraph) {
			tok := f.weight(1, 1, 4)
			e := f.node("Expand", []string{tok, f.ints(2, 1, 1)}, nil)
			return f.node("Concat", []string{e, "x"}, map[string]any{"axis": int64(1)}), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				e, err := graph.Broadcast(g.Const(f.init(tok)), []int{2, 1, 4})
				if err != nil {
					return nil, err
				}
				return graph.Concat(1, e, x)
			}
		}),
		fx("Tile", 13, []int{2, 3}, func(f *fixture) (string, viaGraph) {
			return f.node("Tile", []string{"x", f.ints(2, 1)}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Tile(x, []int{2, 1}) }
		}),
		fx("Split/opset11-attr", 11, []int{2, 5}, func(f *fixture) (string, viaGraph) {
			f.node("Split", []string{"x"}, map[string]any{"axis": int64(1), "split": []int64{2, 3}}, 2)
			return f.m.Nodes[len(f.m.Nodes)-1].Outputs[1], func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Slice(x, []int{0, 2}, []int{2, 3})
			}
		}),
		fx("Split/opset13-input", 13, []int{2, 5}, func(f *fixture) (string, viaGraph) {
			f.node("Split", []string{"x", f.ints(4, 1)}, map[string]any{"axis": int64(-1)}, 2)
			return f.m.Nodes[len(f.m.Nodes)-1].Outputs[1], func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Slice(x, []int{0, 4}, []int{2, 1})
			}
		}),
		fx("Split/opset18-num_outputs", 18, []int{2, 5}, func(f *fixture) (string, viaGraph) {
			f.node("Split", []string{"x"}, map[string]any{"axis": int64(1), "num_outputs": int64(2)}, 2)
			return f.m.Nodes[len(f.m.Nodes)-1].Outputs[1], func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Slice(x, []int{0, 3}, []int{2, 2})
			}
		}),
		fx("DepthToSpace-SpaceToDepth/roundtrip", 13, []int{1, 8, 2, 3}, func(f *fixture) (string, viaGraph) {
			d := f.node("DepthToSpace", []string{"x"}, map[string]any{"blocksize": int64(2)})
			return f.node("SpaceToDepth", []string{d}, map[string]any{"blocksize": int64(2)}), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return x, nil }
		}),
		fx("DepthToSpace/CRD", 13, []int{1, 8, 2, 3}, func(f *fixture) (string, viaGraph) {
			return f.node("DepthToSpace", []string{"x"}, map[string]any{"blocksize": int64(2), "mode": "CRD"}), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				r, _ := graph.Reshape(x, []int{1, 2, 2, 2, 2, 3})
				tr, _ := graph.Transpose(r, []int{0, 1, 4, 2, 5, 3})
				return graph.Reshape(tr, []int{1, 2, 4, 6})
			}
		}),
		fx("Resize/opset11-sizes-empty-roi", 11, []int{1, 2, 3, 4}, func(f *fixture) (string, viaGraph) {
			return f.node("Resize", []string{"x", "", "", f.ints(1, 2, 6, 8)}, map[string]any{"mode": "linear"}), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Resize(x, graph.ResizeParams{Out: []int{1, 2, 6, 8}, Scales: []float64{1, 1, 2, 2}, Mode: "linear", Coord: "half_pixel"})
			}
		}),
		fx("Resize/opset13-scales-nearest", 13, []int{1, 2, 3, 4}, func(f *fixture) (string, viaGraph) {
			return f.node("Resize", []string{"x", "", f.floats([]int64{4}, 1, 1, 2, 2)}, map[string]any{"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}),
				func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
					return graph.Resize(x, graph.ResizeParams{Out: []int{1, 2, 6, 8}, Scales: []float64{1, 1, 2, 2}, Mode: "nearest", Coord: "asymmetric", Nearest: "floor"})
				}
		}),
		fx("Resize/opset18-axes", 18, []int{1, 2, 3, 4}, func(f *fixture) (string, viaGraph) {
			return f.node("Resize", []string{"x", "", f.floats([]int64{2}, 2, 0.5)}, map[string]any{"axes": []int64{2, 3}, "mode": "linear", "coordinate_transformation_mode": "align_corners"}),
				func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
					return graph.Resize(x, graph.ResizeParams{Out: []int{1, 2, 6, 2}, Scales: []float64{1, 1, 2, 0.5}, Mode: "linear", Coord: "align_corners"})
				}
		}),
		fx("ConvTranspose/output_padding", 13, []int{1, 2, 3, 3}, func(f *fixture) (string, viaGraph) {
			w, bias := f.weight(2, 3, 3, 3), f.weight(3)
			return f.node("ConvTranspose", []string{"x", w, bias}, map[string]any{"strides": []int64{2, 2}, "pads": []int64{1, 1, 1, 1}, "output_padding": []int64{1, 1}}),
				func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
					return graph.ConvTranspose(x, g.Const(f.init(w)), g.Const(f.init(bias)), graph.ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, [2]int{6, 6})
				}
		}),
		fx("ConvTranspose/output_shape-same_upper", 11, []int{1, 2, 3, 3}, func(f *fixture) (string, viaGraph) {
			w := f.weight(2, 1, 4, 4)
			return f.node("ConvTranspose", []string{"x", w}, map[string]any{"strides": []int64{2, 2}, "output_shape": []int64{6, 6}, "auto_pad": "SAME_UPPER", "group": int64(2)}),
				func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
					return graph.ConvTranspose(x, g.Const(f.init(w)), nil, graph.ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, Group: 2}, [2]int{6, 6})
				}
		}),
		fx("Pad/opset13-edge", 13, []int{1, 2, 3, 3}, func(f *fixture) (string, viaGraph) {
			return f.node("Pad", []string{"x", f.ints(0, 0, 1, 2, 0, 0, 2, 1)}, map[string]any{"mode": "edge"}), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.PadEdge(x, []int{0, 0, 1, 2}, []int{0, 0, 2, 1})
			}
		}),
		fx("Reshape/copy-infer", 14, []int{2, 3, 4}, func(f *fixture) (string, viaGraph) {
			return f.node("Reshape", []string{"x", f.ints(0, -1)}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) { return graph.Reshape(x, []int{2, 12}) }
		}),
		fx("Reshape/allowzero", 14, []int{2, 3, 4}, func(f *fixture) (string, viaGraph) {
			return f.node("Reshape", []string{"x", f.ints(4, -1, 2)}, map[string]any{"allowzero": int64(1)}), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Reshape(x, []int{4, 3, 2})
			}
		}),
		fx("Upsample/opset9", 9, []int{1, 1, 2, 3}, func(f *fixture) (string, viaGraph) {
			return f.node("Upsample", []string{"x", f.floats([]int64{4}, 1, 1, 2, 3)}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Resize(x, graph.ResizeParams{Out: []int{1, 1, 4, 9}, Scales: []float64{1, 1, 2, 3}, Mode: "nearest", Coord: "asymmetric", Nearest: "floor"})
			}
		}),
		fx("Where-Equal-Range-Mod/shape-arithmetic", 13, []int{2, 6}, func(f *fixture) (string, viaGraph) {
			// A mask from constants, as Swin computes its shifted windows:
			// Range(0, 6) mod 2 == 0 selects the even columns.
			r := f.node("Range", []string{f.ints(0), f.ints(6), f.ints(1)}, nil)
			f.m.Initializers["i1"].Dims, f.m.Initializers["i2"].Dims, f.m.Initializers["i3"].Dims = nil, nil, nil
			even := f.node("Equal", []string{f.node("Mod", []string{r, f.ints(2)}, nil), f.ints(0)}, nil)
			odd := f.node("Not", []string{even}, nil)
			return f.node("Where", []string{odd, "x", f.floats(nil, -100)}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Where([]bool{false, true, false, true, false, true}, []int{6}, x, g.Const(&graph.Tensor{Data: []float32{-100}}))
			}
		}),
		fx("ScatterND/mask", 13, []int{2, 3}, func(f *fixture) (string, viaGraph) {
			data := f.floats([]int64{2, 3}, 0, 0, 0, 0, 0, 0)
			idx := f.ints(1, 2)
			f.m.Initializers[idx].Dims = []int64{1, 2}
			m := f.node("ScatterND", []string{data, idx, f.floats([]int64{1}, 5)}, nil)
			return f.node("Add", []string{"x", m}, nil), func(g *graph.Graph, x *graph.Node) (*graph.Node, error) {
				return graph.Add(x, g.Const(&graph.Tensor{Shape: []int{2, 3}, Data: []float32{0, 0, 0, 0, 0, 5}}))
			}
		}),
	}
	runOpFixtures(t, fixtures)
}

// TestReshapeAllowZero: with allowzero a 0 in the target is a zero-sized
// dimension, without it a copy of the input's.
func TestReshapeAllowZero(t *testing.T) {
	if got, err := reshapeTarget([]int{2, 0, 3}, []int64{0, 3}, true); err != nil || !slices.Equal(got, []int{0, 3}) {
		t.Errorf("allowzero: %v, %v; want [0 3]", got, err)
	}
	if got, err := reshapeTarget([]int{2, 3, 4}, []int64{0, -1}, false); err != nil || !slices.Equal(got, []int{2, 12}) {
		t.Errorf("copy: %v, %v; want [2 12]", got, err)
	}
	if _, err := reshapeTarget([]int{2, 3}, []int64{0, -1}, true); err == nil {
		t.Error("allowzero with -1 and a zero dimension of a non-empty tensor was accepted")
	}
}
