package onnxload

// onnxruntime's contrib ops (domain com.microsoft) that its offline
// optimiser and transformer exporters write into vision models: fused
// convolutions and products with their activation, GELU's forms, the
// skip-and-normalise layers, attention, and the channels-last convolution
// and group norm. Each is built from the graph's ops, so that its
// gradient is theirs.

import (
	"errors"
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

var contribOps = map[string]opFunc{
	msDomain + "FusedConv": opFusedConv, msDomain + "FusedGemm": opFusedGemm, msDomain + "FusedMatMul": opFusedMatMul,
	msDomain + "Gelu": opGelu, msDomain + "FastGelu": opFastGelu, msDomain + "BiasGelu": opBiasGelu, msDomain + "QuickGelu": opQuickGelu,
	msDomain + "BiasAdd": opBiasAdd, msDomain + "LayerNormalization": opLayerNorm,
	msDomain + "SkipLayerNormalization": opSkipNorm(false), msDomain + "SkipSimplifiedLayerNormalization": opSkipNorm(true),
	msDomain + "SimplifiedLayerNormalization": opSimplifiedLayerNorm, "SimplifiedLayerNormalization": opSimplifiedLayerNorm,
	msDomain + "NhwcConv": opNhwcConv, msDomain + "Attention": opAttention, msDomain + "MultiHeadAttention": opMultiHeadAttention,
	msDomain + "GroupNorm": opMSGroupNorm,
}

// activation applies a fused op's activation attribute: Relu, Tanh,
// Sigmoid, LeakyRelu (alpha), Clip (min, max), HardSigmoid (alpha, beta),
// the parameters in activation_params (FusedConv) or activation_alpha and
// activation_beta (FusedGemm).
func activation(n *Node, y *graph.Node) (*graph.Node, error) {
	act, err := attrString(n, "activation", "")
	if err != nil || act == "" {
		return y, err
	}
	params, _ := n.Attrs["activation_params"].([]float32)
	param := func(i int, name string, def float32) float32 {
		if i < len(params) {
			return params[i]
		}
		if v, err := attrFloat(n, name, def); err == nil {
			return v
		}
		return def
	}
	switch act {
	case "Relu":
		return graph.Relu(y)
	case "Tanh":
		return graph.Tanh(y)
	case "Sigmoid":
		return graph.Sigmoid(y)
	case "LeakyRelu":
		return graph.LeakyRelu(y, param(0, "activation_alpha", 0.01))
	case "Clip":
		return graph.Clip(y, param(0, "activation_alpha", float32(math.Inf(-1))), param(1, "activation_beta", float32(math.Inf(1))))
	case "HardSigmoid":
		return graph.Math(y, graph.FnHardSigmoid, float64(param(0, "activation_alpha", 0.2)), float64(param(1, "activation_beta", 0.5)))
	}
	return nil, fmt.Errorf("activation %q is not supported", act)
}

// opFusedConv is Conv (+ Z, the fourth input, where there is one) then
// the activation.
func opFusedConv(b *builder, n *Node, in []value) ([]value, error) {
	y, err := opConv(b, n, in[:min(len(in), 3)])
	if err != nil {
		return nil, err
	}
	out := y[0].f
	if present(in, 3) {
		z, err := b.float(n, in, 3)
		if err != nil {
			return nil, err
		}
		if out, err = graph.Add(out, z); err != nil {
			return nil, err
		}
	}
	return one(activation(n, out))
}

func opFusedGemm(b *builder, n *Node, in []value) ([]value, error) {
	y, err := opGemm(b, n, in)
	if err != nil {
		return nil, err
	}
	return one(activation(n, y[0].f))
}

// opFusedMatMul is alpha·op(A)·op(B). op reads each operand's matrix
// from its last two axes, transposed where transA or transB says so; with
// transBatchA or transBatchB the matrix is the first and last axes
// instead ([M, batch…, K]), as onnxruntime fuses a Transpose into it.
func opFusedMatMul(b *builder, n *Node, in []value) ([]value, error) {
	a := attrs{n: n}
	ta, tb, alpha := a.int("transA", 0), a.int("transB", 0), a.float("alpha", 1)
	ba, bb := a.int("transBatchA", 0), a.int("transBatchB", 0)
	if a.err != nil {
		return nil, a.err
	}
	ops := make([]value, 2)
	for k, t := range [][2]int64{{ta, ba}, {tb, bb}} {
		x, err := b.float(n, in, k)
		if err != nil {
			return nil, err
		}
		r := len(x.Shape())
		if (t[0] != 0 || t[1] != 0) && r < 2 {
			return nil, fmt.Errorf("input %d of rank %d cannot be transposed", k, r)
		}
		var perm []int
		switch {
		case t[1] != 0:
			for i := 1; i < r-1; i++ {
				perm = append(perm, i)
			}
			if t[0] != 0 {
				perm = append(perm, r-1, 0)
			} else {
				perm = append(perm, 0, r-1)
			}
		case t[0] != 0:
			for i := 0; i < r-2; i++ {
				perm = append(perm, i)
			}
			perm = append(perm, r-1, r-2)
		}
		if perm != nil {
			if x, err = graph.Transpose(x, perm); err != nil {
				return nil, err
			}
		}
		ops[k] = value{f: x}
	}
	y, err := opMatMul(b, n, ops)
	if err != nil || alpha == 1 {
		return y, err
	}
	return one(graph.Mul(y[0].f, b.vec([]float32{alpha})))
}

// sumOf adds the present inputs among ks.
func (b *builder) sumOf(n *Node, in []value, ks ...int) (*graph.Node, error) {
	var s *graph.Node
	for _, k := range ks {
		if !present(in, k) {
			continue
		}
		x, err := b.float(n, in, k)
		if err != nil {
			return nil, err
		}
		if s == nil {
			s = x
		} else if s, err = graph.Add(s, x); err != nil {
			return nil, err
		}
	}
	if s == nil {
		return nil, errors.New("input 0 is missing")
	}
	return s, nil
}

// opFastGelu is the tanh approximation of GELU of x (+ bias).
func opFastGelu(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.sumOf(n, in, 0, 1)
	if err != nil {
		return nil, err
	}
	return one(graph.Math(x, graph.FnGeluTanh, 0, 0))
}

// opBiasGelu is the exact GELU of a + b.
func opBiasGelu(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.sumOf(n, in, 0, 1)
	if err != nil {
		return nil, err
	}
	return one(graph.Math(x, graph.FnGelu, 0, 0))
}

// opQuickGelu is x·σ(alpha·x), alpha 1.702 by default.
func opQuickGelu(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	alpha, err := attrFloat(n, "alpha", 1.702)
	if err != nil {
		return nil, err
	}
	ax := x
	if alpha != 1 {
		if ax, err = graph.Mul(x, b.vec([]float32{alpha})); err != nil {
			return nil, err
		}
	}
	s, err := graph.Sigmoid(ax)
	if err != nil {
		return nil, err
	}
	return one(graph.Mul(x, s))
}

// opBiasAdd is x + bias + skip.
func opBiasAdd(b *builder, n *Node, in []value) ([]value, error) {
	s, err := b.sumOf(n, in, 0, 1, 2)
	return one(s, err)
}

// rmsNorm is x / sqrt(mean(x², last axis) + eps) · gamma.
func (b *builder) rmsNorm(x, gamma *graph.Node, eps float32) (*graph.Node, error) {
	r := len(x.Shape())
	sq, err := graph.Mul(x, x)
	if err != nil {
		return nil, err
	}
	ms, err := graph.Reduce(sq, graph.ReduceMean, []int{r - 1}, true)
	if err != nil {
		return nil, err
	}
	if ms, err = graph.Add(ms, b.vec([]float32{eps})); err != nil {
		return nil, err
	}
	rms, err := graph.Math(ms, graph.FnSqrt, 0, 0)
	if err != nil {
		return nil, err
	}
	y, err := graph.Div(x, rms)
	if err != nil || gamma == nil {
		return y, err
	}
	return graph.Mul(y, gamma)
}

// opSimplifiedLayerNorm is RMS normalisation over the last axis.
func opSimplifiedLayerNorm(b *builder, n *Node, in []value) ([]value, error) {
	a := attrs{n: n}
	axis, eps := a.int("axis", -1), a.float("epsilon", 1e-5)
	if a.err != nil {
		return nil, a.err
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	if axis != -1 && axis != int64(len(x.Shape())-1) {
		return nil, fmt.Errorf("axis %d: only the last axis is supported", axis)
	}
	gamma, err := b.float(n, in, 1)
	if err != nil {
		return nil, err
	}
	return one(b.rmsNorm(x, gamma, eps))
}

// opSkipNorm is SkipLayerNormalization (LayerNorm, inputs input, skip,
// gamma, beta, bias) or SkipSimplifiedLayerNormalization (RMS norm,
// inputs input, skip, gamma, bias) of input + skip + bias, over the last
// axis; output 3 is that sum, which the next block adds to.
func opSkipNorm(simplified bool) opFunc {
	return func(b *builder, n *Node, in []value) ([]value, error) {
		eps, err := attrFloat(n, "epsilon", 1e-12)
		if err != nil {
			return nil, err
		}
		biasAt := 4
		if simplified {
			biasAt = 3
		}
		sum, err := b.sumOf(n, in, 0, 1, biasAt)
		if err != nil {
			return nil, err
		}
		gamma, err := b.float(n, in, 2)
		if err != nil {
			return nil, err
		}
		var y *graph.Node
		if simplified {
			y, err = b.rmsNorm(sum, gamma, eps)
		} else {
			var beta *graph.Node
			if present(in, 3) {
				if beta, err = b.float(n, in, 3); err != nil {
					return nil, err
				}
			}
			y, err = graph.LayerNorm(sum, len(sum.Shape())-1, gamma, beta, float64(eps))
		}
		if err != nil {
			return nil, err
		}
		return []value{{f: y}, {}, {}, {f: sum}}, nil
	}
}

// opNhwcConv is Conv on channels-last input and output (the weight as
// Conv's): transposed to channels first and back.
func opNhwcConv(b *builder, n *Node, in []value) ([]value, error) {
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	if len(x.Shape()) != 4 {
		return nil, fmt.Errorf("input %v is not [N,H,W,C]", x.Shape())
	}
	if x, err = graph.Transpose(x, []int{0, 3, 1, 2}); err != nil {
		return nil, err
	}
	args := append([]value{{f: x}}, in[1:]...)
	y, err := opConv(b, n, args)
	if err != nil {
		return nil, err
	}
	return one(graph.Transpose(y[0].f, []int{0, 2, 3, 1}))
}

// heads reshapes [B,S,N·D] to [B,N,S,D].
func heads(x *graph.Node, n int) (*graph.Node, error) {
	s := x.Shape()
	if len(s) != 3 || s[2]%n != 0 {
		return nil, fmt.Errorf("%v is not [batch, sequence, hidden] with hidden a multiple of %d heads", s, n)
	}
	r, err := graph.Reshape(x, []int{s[0], s[1], n, s[2] / n})
	if err != nil {
		return nil, err
	}
	return graph.Transpose(r, []int{0, 2, 1, 3})
}

// attend is softmax(q·kᵀ·scale)·v over heads: q, k, v [B,S,N·D] (k and v
// of length L), out [B,S,N·D]; scale 0 means 1/√D.
func attend(q, k, v *graph.Node, n int, scale float32) (*graph.Node, error) {
	var err error
	if q, err = heads(q, n); err != nil {
		return nil, err
	}
	if k, err = heads(k, n); err != nil {
		return nil, err
	}
	if v, err = heads(v, n); err != nil {
		return nil, err
	}
	d := q.Shape()[3]
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(d)))
	}
	kt, err := graph.Transpose(k, []int{0, 1, 3, 2})
	if err != nil {
		return nil, err
	}
	s, err := graph.BatchMatMul(q, kt)
	if err != nil {
		return nil, err
	}
	c := q.Graph().Const(&graph.Tensor{Shape: []int{}, Data: []float32{scale}})
	if s, err = graph.Mul(s, c); err != nil {
		return nil, err
	}
	if s, err = graph.Softmax(s, -1); err != nil {
		return nil, err
	}
	o, err := graph.BatchMatMul(s, v)
	if err != nil {
		return nil, err
	}
	if o, err = graph.Transpose(o, []int{0, 2, 1, 3}); err != nil {
		return nil, err
	}
	sh := o.Shape()
	return graph.Reshape(o, []int{sh[0], sh[1], sh[2] * sh[3]})
}

// attentionAttrs reads num_heads and scale, and refuses what invrep does
// not build: masks, past state, unidirectional (causal) attention.
func attentionAttrs(n *Node, in []value, from int) (heads int, scale float32, err error) {
	a := attrs{n: n}
	nh, sc := a.int("num_heads", 0), a.float("scale", 0)
	if a.int("unidirectional", 0) != 0 {
		return 0, 0, errors.New("unidirectional (causal) attention is not supported")
	}
	if a.err != nil {
		return 0, 0, a.err
	}
	if nh <= 0 {
		return 0, 0, fmt.Errorf("num_heads = %d must be positive", nh)
	}
	for k := from; k < len(in); k++ {
		if present(in, k) {
			return 0, 0, fmt.Errorf("input %d (a mask, past state or attention bias) is not supported", k)
		}
	}
	return int(nh), sc, nil
}

// opAttention is onnxruntime's packed self-attention: q, k, v = input·W
// + bias, split by qkv_hidden_sizes (equal thirds by default), then
// multi-head scaled dot-product attention.
func opAttention(b *builder, n *Node, in []value) ([]value, error) {
	nh, scale, err := attentionAttrs(n, in, 3)
	if err != nil {
		return nil, err
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	if !present(in, 1) {
		return nil, errors.New("the weights (input 1) are missing")
	}
	wt, ok := host(in[1])
	if !ok || len(wt.Dims) != 2 {
		return nil, errors.New("the weights (input 1) must be a constant [input hidden, 3·hidden]")
	}
	in0, total := int(wt.Dims[0]), int(wt.Dims[1])
	sizes := []int{total / 3, total / 3, total / 3}
	if hs, ok, err := attrInts(n, "qkv_hidden_sizes"); err != nil {
		return nil, err
	} else if ok {
		if len(hs) != 3 || hs[0]+hs[1]+hs[2] != int64(total) {
			return nil, fmt.Errorf("qkv_hidden_sizes %v do not add up to the weights' %d columns", hs, total)
		}
		sizes = []int{int(hs[0]), int(hs[1]), int(hs[2])}
	}
	var bias *Tensor
	if present(in, 2) {
		if bias, ok = host(in[2]); !ok || bias.Numel() != int64(total) {
			return nil, fmt.Errorf("the bias (input 2) must be a constant of %d values", total)
		}
	}
	s := x.Shape()
	if len(s) != 3 || s[2] != in0 {
		return nil, fmt.Errorf("input %v is not [batch, sequence, %d]", s, in0)
	}
	flat, err := graph.Reshape(x, []int{s[0] * s[1], s[2]})
	if err != nil {
		return nil, err
	}
	var qkv [3]*graph.Node
	col := 0
	for i, size := range sizes {
		w := graph.NewTensor(in0, size)
		for r := 0; r < in0; r++ {
			for c := 0; c < size; c++ {
				w.Data[r*size+c] = float32(wt.at(r*total + col + c))
			}
		}
		y, err := graph.MatMul(flat, b.g.Const(w), false, false, 1)
		if err != nil {
			return nil, err
		}
		if bias != nil {
			bt := graph.NewTensor(size)
			for c := range size {
				bt.Data[c] = float32(bias.at(col + c))
			}
			if y, err = graph.Add(y, b.g.Const(bt)); err != nil {
				return nil, err
			}
		}
		if qkv[i], err = graph.Reshape(y, []int{s[0], s[1], size}); err != nil {
			return nil, err
		}
		col += size
	}
	return one(attend(qkv[0], qkv[1], qkv[2], nh, scale))
}

// opMultiHeadAttention takes q, k and v already projected (the bias,
// input 3, added where given).
func opMultiHeadAttention(b *builder, n *Node, in []value) ([]value, error) {
	nh, scale, err := attentionAttrs(n, in, 4)
	if err != nil {
		return nil, err
	}
	var qkv [3]*graph.Node
	for k := range qkv {
		if qkv[k], err = b.float(n, in, k); err != nil {
			return nil, fmt.Errorf("input %d: %w (packed q, k and v are not supported)", k, err)
		}
	}
	if present(in, 3) {
		bias, ok := host(in[3])
		hidden := qkv[0].Shape()[len(qkv[0].Shape())-1]
		if !ok || bias.Numel() != int64(3*hidden) {
			return nil, fmt.Errorf("the bias (input 3) must be a constant of %d values", 3*hidden)
		}
		for k := range qkv {
			bt := graph.NewTensor(hidden)
			for c := range hidden {
				bt.Data[c] = float32(bias.at(k*hidden + c))
			}
			if qkv[k], err = graph.Add(qkv[k], b.g.Const(bt)); err != nil {
				return nil, err
			}
		}
	}
	return one(attend(qkv[0], qkv[1], qkv[2], nh, scale))
}

// opMSGroupNorm is onnxruntime's GroupNorm (the diffusion models' form):
// channels last by default (channels_last), gamma and beta per channel,
// then SiLU where activation is 1.
func opMSGroupNorm(b *builder, n *Node, in []value) ([]value, error) {
	a := attrs{n: n}
	groups, eps := a.int("groups", 0), a.float("epsilon", 1e-5)
	act, last := a.int("activation", 0), a.int("channels_last", 1)
	if a.err != nil {
		return nil, a.err
	}
	if act != 0 && act != 1 {
		return nil, fmt.Errorf("activation = %d (want 0, none, or 1, SiLU)", act)
	}
	x, err := b.float(n, in, 0)
	if err != nil {
		return nil, err
	}
	if len(x.Shape()) != 4 {
		return nil, fmt.Errorf("input %v is not 4-D", x.Shape())
	}
	if last != 0 {
		if x, err = graph.Transpose(x, []int{0, 3, 1, 2}); err != nil {
			return nil, err
		}
	}
	c := x.Shape()[1]
	gamma, err := b.weightsOf(n, in, 1, []int{c})
	if err != nil {
		return nil, err
	}
	beta, err := b.weightsOf(n, in, 2, []int{c})
	if err != nil {
		return nil, err
	}
	y, err := graph.GroupNorm(x, int(groups), gamma, beta, float64(eps))
	if err != nil {
		return nil, err
	}
	if act == 1 {
		if y, err = graph.Math(y, graph.FnSiLU, 0, 0); err != nil {
			return nil, err
		}
	}
	if last != 0 {
		return one(graph.Transpose(y, []int{0, 2, 3, 1}))
	}
	return one(y, nil)
}
