package graph

import (
	"fmt"
	"math"
	"slices"

	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/vec"
)

type binaryKind int

const (
	kindAdd binaryKind = iota
	kindSub
	kindMul
	kindDiv
	kindPow
	kindMax
	kindMin
	kindPRelu
	kindFmod // C's fmod: the remainder with the dividend's sign
)

// binary is an elementwise arithmetic op with numpy broadcasting. same
// marks operands of one shape (a residual Add, a SiLU's Mul): each
// gradient element then has one term, written rather than added.
type binary struct {
	kind binaryKind
	same bool
}

// Overwrites implements Overwriter: the output always (every row is
// written), the gradients where the operands share their shape.
func (b binary) Overwrites(grad bool, _ int) bool { return !grad || b.same }

// GradReads implements GradReader: a sum's gradients read nothing, a
// product's the other operand, the rest (quotients, powers, extrema) both
// operands.
func (b binary) GradReads(i, j int) bool {
	switch b.kind {
	case kindAdd, kindSub:
		return false
	case kindMul:
		return j == 1-i
	}
	return j >= 0
}

// PassesGrad implements Passer: an Add's operands of the output's shape
// (ResNet's residual sums) take its gradient as it is, as does a
// difference's first.
func (b binary) PassesGrad(i int) bool {
	return b.same && (b.kind == kindAdd || b.kind == kindSub && i == 0)
}

func (b binary) String() string {
	return [...]string{"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu", "Fmod"}[b.kind]
}

// BroadcastShape returns the numpy broadcast of two shapes.
func BroadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

func (b binary) OutShape(in [][]int) ([]int, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("want 2 inputs, got %d", len(in))
	}
	return BroadcastShape(in[0], in[1])
}

func (b binary) Diffable(int) bool { return true }

// bstrides returns, for each output axis, the stride of an input of shape s
// broadcast to out (0 along broadcast axes).
func bstrides(s, out []int) []int {
	st := make([]int, len(out))
	acc := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(s) - len(out) + i
		if j >= 0 && s[j] != 1 {
			st[i] = acc
		}
		if j >= 0 {
			acc *= s[j]
		}
	}
	return st
}

// broadcastWalk calls f(o, ia, ib) for every output offset o and the
// matching offsets into a and b.
func broadcastWalk(out, sa, sb []int, f func(o, ia, ib int)) {
	n := Numel(out)
	if slices.Equal(sa, out) && slices.Equal(sb, out) {
		for o := 0; o < n; o++ {
			f(o, o, o)
		}
		return
	}
	ta, tb := bstrides(sa, out), bstrides(sb, out)
	idx := make([]int, len(out))
	ia, ib := 0, 0
	for o := 0; o < n; o++ {
		f(o, ia, ib)
		for d := len(out) - 1; d >= 0; d-- {
			idx[d]++
			ia += ta[d]
			ib += tb[d]
			if idx[d] < out[d] {
				break
			}
			ia -= ta[d] * out[d]
			ib -= tb[d] * out[d]
			idx[d] = 0
		}
	}
}

// rowPlan splits an elementwise broadcast into rows: runs of the
// innermost axes (merged while both operands stay contiguous or constant
// along them) over which operand a moves by sa ∈ {0, 1} and b by sb, and
// each row's start in a and b. A bias over channels-last tokens, a
// per-channel scale over NCHW and a scalar all become long rows.
type rowPlan struct {
	inner, sa, sb int
	offA, offB    []int // per row
}

func planRows(out, sha, shb []int) rowPlan {
	ta, tb := bstrides(sha, out), bstrides(shb, out)
	r := len(out)
	if r == 0 {
		return rowPlan{inner: 1, offA: []int{0}, offB: []int{0}}
	}
	p := rowPlan{inner: 1}
	d := r - 1
	if ta[d] != 0 {
		p.sa = 1
	}
	if tb[d] != 0 {
		p.sb = 1
	}
	for ; d >= 0; d-- {
		if ta[d] != p.sa*p.inner || tb[d] != p.sb*p.inner {
			break
		}
		p.inner *= out[d]
	}
	eachIndex(out[:d+1], func(_ int, at []int) {
		oa, ob := 0, 0
		for k, i := range at {
			oa += i * ta[k]
			ob += i * tb[k]
		}
		p.offA = append(p.offA, oa)
		p.offB = append(p.offB, ob)
	})
	return p
}

// rows runs f over the plan's rows, split between the cores; a single
// long row (same shapes) is split into chunks.
func (p rowPlan) rows(f func(row, lo, hi int)) {
	if len(p.offA) == 1 {
		chunked(p.inner, func(lo, hi int) { f(0, lo, hi) })
		return
	}
	per := max(1, elementChunk/max(p.inner, 1))
	parallel.For((len(p.offA)+per-1)/per, func(c int) {
		for r := c * per; r < min(len(p.offA), (c+1)*per); r++ {
			f(r, 0, p.inner)
		}
	})
}

func (b binary) Forward(in []*Tensor, out *Tensor) {
	p := planRows(out.Shape, in[0].Shape, in[1].Shape)
	x, y, z := in[0].Data, in[1].Data, out.Data
	p.rows(func(r, lo, hi int) {
		o := r * p.inner
		b.row(z[o+lo:o+hi], x[p.offA[r]+lo*p.sa:], p.sa, y[p.offB[r]+lo*p.sb:], p.sb)
	})
}

// row computes z[k] = x[k·sa] op y[k·sb], with vector kernels for the
// arithmetic ops on the common layouts (operands of one shape, one a
// broadcast value: a squeeze-excitation gate, a bias) and plain loops for
// the rest.
func (b binary) row(z, x []float32, sa int, y []float32, sb int) {
	n := len(z)
	switch {
	case sa == 1 && sb == 1:
		x, y = x[:n], y[:n]
		switch b.kind {
		case kindAdd:
			vec.Blend(z, x, y, 1, 1)
			return
		case kindSub:
			vec.Blend(z, x, y, 1, -1)
			return
		case kindMul:
			vec.Mul(z, x, y)
			return
		case kindDiv:
			for k := range z {
				z[k] = x[k] / y[k]
			}
			return
		}
	case sa == 1 && sb == 0:
		x, c := x[:n], y[0]
		switch b.kind {
		case kindAdd:
			vec.ScaleAdd(z, x, 1, c)
			return
		case kindSub:
			vec.ScaleAdd(z, x, 1, -c)
			return
		case kindMul:
			vec.ScaleAdd(z, x, c, 0)
			return
		case kindDiv:
			for k := range z {
				z[k] = x[k] / c
			}
			return
		}
	case sa == 0 && sb == 1:
		c, y := x[0], y[:n]
		switch b.kind {
		case kindAdd:
			vec.ScaleAdd(z, y, 1, c)
			return
		case kindSub:
			vec.ScaleAdd(z, y, -1, c)
			return
		case kindMul:
			vec.ScaleAdd(z, y, c, 0)
			return
		}
	}
	for k := range z {
		z[k] = b.at(x[k*sa], y[k*sb])
	}
}

// at is the op on one pair of values.
func (b binary) at(x, y float32) float32 {
	switch b.kind {
	case kindAdd:
		return x + y
	case kindSub:
		return x - y
	case kindMul:
		return x * y
	case kindDiv:
		return x / y
	case kindPow:
		return float32(math.Pow(float64(x), float64(y)))
	case kindMax:
		return max(x, y)
	case kindMin:
		return min(x, y)
	case kindFmod:
		return float32(math.Mod(float64(x), float64(y)))
	}
	if x < 0 { // PRelu
		return x * y
	}
	return x
}

// share is the part of a Max or Min gradient that goes to an operand: all
// of it to the winner, half to each on a tie (as PyTorch's maximum does).
func share(mine, other float32, isMax bool) float32 {
	switch {
	case mine == other:
		return 0.5
	case (mine > other) == isMax:
		return 1
	}
	return 0
}

// term is g·∂(x op y)/∂in_i, zero where g is: an output that receives no
// gradient passes none back, even where the partial is infinite (x/0 whose
// quotient a quantiser clipped, in a quantised LayerNorm whose variance
// rounded to zero), rather than 0·∞ = NaN.
func (b binary) term(i int, g, x, y float32) float32 {
	if g == 0 {
		return 0
	}
	return g * b.partial(i, x, y)
}

// partial returns ∂(x op y)/∂x (i = 0) or ∂/∂y (i = 1).
func (b binary) partial(i int, x, y float32) float32 {
	switch {
	case b.kind == kindAdd:
		return 1
	case b.kind == kindSub && i == 0:
		return 1
	case b.kind == kindSub:
		return -1
	case b.kind == kindMul && i == 0:
		return y
	case b.kind == kindMul:
		return x
	case b.kind == kindDiv && i == 0:
		return 1 / y
	case b.kind == kindDiv:
		return -x / (y * y)
	case b.kind == kindPow && i == 0: // y·x^(y−1)
		return float32(float64(y) * math.Pow(float64(x), float64(y)-1))
	case b.kind == kindPow: // x^y·ln x
		if x > 0 {
			return float32(math.Pow(float64(x), float64(y)) * math.Log(float64(x)))
		}
		return 0
	case b.kind == kindFmod && i == 0: // x − y·trunc(x/y): 1 between the jumps
		return 1
	case b.kind == kindFmod:
		return -float32(math.Trunc(float64(x) / float64(y)))
	case b.kind == kindMax || b.kind == kindMin:
		if i == 0 {
			return share(x, y, b.kind == kindMax)
		}
		return share(y, x, b.kind == kindMax)
	case i == 0: // PRelu
		if x < 0 {
			return y
		}
		return 1
	}
	if x < 0 {
		return x
	}
	return 0
}

// Backward sums the output gradient over the axes along which input i was
// broadcast: rows in parallel where input i has its own values in every
// row, one after another where rows share them.
func (b binary) Backward(i int, in []*Tensor, _, gout, gin *Tensor) {
	if b.same {
		b.sameGrad(i, in[0].Data, in[1].Data, gout.Data, gin.Data)
		return
	}
	p := planRows(gout.Shape, in[0].Shape, in[1].Shape)
	x, y, g, d := in[0].Data, in[1].Data, gout.Data, gin.Data
	step := func(r, lo, hi int) {
		o := r * p.inner
		xs, ys, gs := x[p.offA[r]+lo*p.sa:], y[p.offB[r]+lo*p.sb:], g[o+lo:o+hi]
		var ds []float32
		s := p.sa
		if i == 0 {
			ds = d[p.offA[r]+lo*p.sa:]
		} else {
			ds, s = d[p.offB[r]+lo*p.sb:], p.sb
		}
		b.gradRow(i, ds, s, xs, p.sa, ys, p.sb, gs)
	}
	if len(d) == len(p.offA)*p.inner && (i == 0 && p.sa == 1 || i == 1 && p.sb == 1) {
		p.rows(step)
		return
	}
	// Rows that each sum into their own value of input i (a per-channel
	// gate's gradient: one value per channel and image) run in parallel.
	offs := p.offA
	if i == 1 {
		offs = p.offB
	}
	if (i == 0 && p.sa == 0 || i == 1 && p.sb == 0) && uniqueOffsets(offs) {
		parallel.For(len(offs), func(r int) { step(r, 0, p.inner) })
		return
	}
	for r := range p.offA {
		step(r, 0, p.inner)
	}
}

// uniqueOffsets reports whether no two offsets are equal.
func uniqueOffsets(offs []int) bool {
	seen := make(map[int]bool, len(offs))
	for _, o := range offs {
		if seen[o] {
			return false
		}
		seen[o] = true
	}
	return true
}

// sameGrad writes d = g·∂/∂in_i for operands of the output's shape (the
// buffer is not cleared first: see Overwrites).
func (b binary) sameGrad(i int, x, y, g, d []float32) {
	chunked(len(d), func(lo, hi int) {
		ds, gs := d[lo:hi], g[lo:hi]
		switch {
		case b.kind == kindAdd || (b.kind == kindSub && i == 0):
			copy(ds, gs)
		case b.kind == kindSub:
			for k, v := range gs {
				ds[k] = -v
			}
		case b.kind == kindMul && i == 0:
			vec.Mul(ds, gs, y[lo:hi])
		case b.kind == kindMul:
			vec.Mul(ds, gs, x[lo:hi])
		default:
			xs, ys := x[lo:hi], y[lo:hi]
			for k, v := range gs {
				ds[k] = b.term(i, v, xs[k], ys[k])
			}
		}
	})
}

// gradRow adds g[k]·∂/∂in_i into d[k·s].
func (b binary) gradRow(i int, d []float32, s int, x []float32, sa int, y []float32, sb int, g []float32) {
	if s == 0 { // a broadcast value: the row sums into it
		switch {
		case b.kind == kindMul && i == 1 && sa == 1:
			d[0] += vec.Dot(g, x[:len(g)])
		case b.kind == kindMul && i == 0 && sb == 1:
			d[0] += vec.Dot(g, y[:len(g)])
		case b.kind == kindAdd || (b.kind == kindSub && i == 0):
			acc := float32(0)
			for _, v := range g {
				acc += v
			}
			d[0] += acc
		default:
			acc := float32(0)
			for k := range g {
				acc += b.term(i, g[k], x[k*sa], y[k*sb])
			}
			d[0] += acc
		}
		return
	}
	d = d[:len(g)]
	switch {
	case b.kind == kindAdd || (b.kind == kindSub && i == 0):
		vec.Axpy(d, g, 1)
	case b.kind == kindSub:
		vec.Axpy(d, g, -1)
	case b.kind == kindMul && i == 0 && sb == 0:
		vec.Axpy(d, g, y[0])
	case b.kind == kindMul && i == 1 && sa == 0:
		vec.Axpy(d, g, x[0])
	case b.kind == kindMul && i == 0:
		vec.AddMul(d, g, y[:len(g)])
	case b.kind == kindMul && i == 1:
		vec.AddMul(d, g, x[:len(g)])
	default:
		for k := range g {
			d[k] += b.term(i, g[k], x[k*sa], y[k*sb])
		}
	}
}

// Add is a + b with numpy broadcasting.
func Add(a, b *Node) (*Node, error) { return applyBinary(kindAdd, a, b) }

// Sub is a − b with numpy broadcasting.
func Sub(a, b *Node) (*Node, error) { return applyBinary(kindSub, a, b) }

// Mul is a ⊙ b with numpy broadcasting.
func Mul(a, b *Node) (*Node, error) { return applyBinary(kindMul, a, b) }

// Fmod is C's fmod(a, b) with numpy broadcasting: a − b·trunc(a/b), the
// sign of a (ONNX's Mod with fmod = 1).
func Fmod(a, b *Node) (*Node, error) { return applyBinary(kindFmod, a, b) }

// Div is a ⊘ b with numpy broadcasting.
func Div(a, b *Node) (*Node, error) { return applyBinary(kindDiv, a, b) }

// Pow is a^b elementwise with numpy broadcasting.
func Pow(a, b *Node) (*Node, error) { return applyBinary(kindPow, a, b) }

// Max is the elementwise maximum with numpy broadcasting.
func Max(a, b *Node) (*Node, error) { return applyBinary(kindMax, a, b) }

// Min is the elementwise minimum with numpy broadcasting.
func Min(a, b *Node) (*Node, error) { return applyBinary(kindMin, a, b) }

// PRelu is x where x ≥ 0 and slope·x elsewhere, slope broadcast to x.
func PRelu(x, slope *Node) (*Node, error) { return applyBinary(kindPRelu, x, slope) }

// applyBinary applies the op, marking operands of one shape.
func applyBinary(kind binaryKind, a, b *Node) (*Node, error) {
	return Apply(binary{kind: kind, same: slices.Equal(a.Shape(), b.Shape())}, a, b)
}
