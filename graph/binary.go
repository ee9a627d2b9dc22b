package graph

import (
	"fmt"
	"math"
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
)

// binary is an elementwise arithmetic op with numpy broadcasting.
type binary struct{ kind binaryKind }

func (b binary) String() string {
	return [...]string{"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu"}[b.kind]
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
	if sameShape(sa, out) && sameShape(sb, out) {
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

func (b binary) Forward(in []*Tensor, out *Tensor) {
	x, y, z := in[0].Data, in[1].Data, out.Data
	switch b.kind {
	case kindAdd:
		broadcastWalk(out.Shape, in[0].Shape, in[1].Shape, func(o, i, j int) { z[o] = x[i] + y[j] })
	case kindSub:
		broadcastWalk(out.Shape, in[0].Shape, in[1].Shape, func(o, i, j int) { z[o] = x[i] - y[j] })
	case kindMul:
		broadcastWalk(out.Shape, in[0].Shape, in[1].Shape, func(o, i, j int) { z[o] = x[i] * y[j] })
	case kindDiv:
		broadcastWalk(out.Shape, in[0].Shape, in[1].Shape, func(o, i, j int) { z[o] = x[i] / y[j] })
	case kindPow:
		broadcastWalk(out.Shape, in[0].Shape, in[1].Shape, func(o, i, j int) { z[o] = float32(math.Pow(float64(x[i]), float64(y[j]))) })
	case kindMax:
		broadcastWalk(out.Shape, in[0].Shape, in[1].Shape, func(o, i, j int) { z[o] = max(x[i], y[j]) })
	case kindMin:
		broadcastWalk(out.Shape, in[0].Shape, in[1].Shape, func(o, i, j int) { z[o] = min(x[i], y[j]) })
	case kindPRelu:
		broadcastWalk(out.Shape, in[0].Shape, in[1].Shape, func(o, i, j int) {
			z[o] = x[i]
			if x[i] < 0 {
				z[o] = x[i] * y[j]
			}
		})
	}
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

// Backward sums the output gradient over the axes along which input i was
// broadcast.
func (b binary) Backward(i int, in []*Tensor, _, gout, gin *Tensor) {
	x, y, g, d := in[0].Data, in[1].Data, gout.Data, gin.Data
	walk := func(f func(o, ia, ib int)) { broadcastWalk(gout.Shape, in[0].Shape, in[1].Shape, f) }
	switch {
	case b.kind == kindAdd && i == 0, b.kind == kindSub && i == 0:
		walk(func(o, ia, _ int) { d[ia] += g[o] })
	case b.kind == kindAdd:
		walk(func(o, _, ib int) { d[ib] += g[o] })
	case b.kind == kindSub:
		walk(func(o, _, ib int) { d[ib] -= g[o] })
	case b.kind == kindMul && i == 0:
		walk(func(o, ia, ib int) { d[ia] += g[o] * y[ib] })
	case b.kind == kindMul:
		walk(func(o, ia, ib int) { d[ib] += g[o] * x[ia] })
	case b.kind == kindDiv && i == 0:
		walk(func(o, ia, ib int) { d[ia] += g[o] / y[ib] })
	case b.kind == kindDiv:
		walk(func(o, ia, ib int) { d[ib] -= g[o] * x[ia] / (y[ib] * y[ib]) })
	case b.kind == kindPow && i == 0: // y·x^(y−1)
		walk(func(o, ia, ib int) {
			d[ia] += g[o] * float32(float64(y[ib])*math.Pow(float64(x[ia]), float64(y[ib])-1))
		})
	case b.kind == kindPow: // x^y·ln x
		walk(func(o, ia, ib int) {
			if x[ia] > 0 {
				d[ib] += g[o] * float32(math.Pow(float64(x[ia]), float64(y[ib]))*math.Log(float64(x[ia])))
			}
		})
	case b.kind == kindMax || b.kind == kindMin:
		isMax := b.kind == kindMax
		if i == 0 {
			walk(func(o, ia, ib int) { d[ia] += g[o] * share(x[ia], y[ib], isMax) })
		} else {
			walk(func(o, ia, ib int) { d[ib] += g[o] * share(y[ib], x[ia], isMax) })
		}
	case b.kind == kindPRelu && i == 0:
		walk(func(o, ia, ib int) {
			if x[ia] < 0 {
				d[ia] += g[o] * y[ib]
			} else {
				d[ia] += g[o]
			}
		})
	case b.kind == kindPRelu:
		walk(func(o, ia, ib int) {
			if x[ia] < 0 {
				d[ib] += g[o] * x[ia]
			}
		})
	}
}

// Add is a + b with numpy broadcasting.
func Add(a, b *Node) (*Node, error) { return Apply(binary{kindAdd}, a, b) }

// Sub is a − b with numpy broadcasting.
func Sub(a, b *Node) (*Node, error) { return Apply(binary{kindSub}, a, b) }

// Mul is a ⊙ b with numpy broadcasting.
func Mul(a, b *Node) (*Node, error) { return Apply(binary{kindMul}, a, b) }

// Div is a ⊘ b with numpy broadcasting.
func Div(a, b *Node) (*Node, error) { return Apply(binary{kindDiv}, a, b) }

// Pow is a^b elementwise with numpy broadcasting.
func Pow(a, b *Node) (*Node, error) { return Apply(binary{kindPow}, a, b) }

// Max is the elementwise maximum with numpy broadcasting.
func Max(a, b *Node) (*Node, error) { return Apply(binary{kindMax}, a, b) }

// Min is the elementwise minimum with numpy broadcasting.
func Min(a, b *Node) (*Node, error) { return Apply(binary{kindMin}, a, b) }

// PRelu is x where x ≥ 0 and slope·x elsewhere, slope broadcast to x.
func PRelu(x, slope *Node) (*Node, error) { return Apply(binary{kindPRelu}, x, slope) }
