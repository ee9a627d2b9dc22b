package graph

import (
	"fmt"
	"math"
	"slices"
)

// qadd is onnxruntime's QLinearAdd on integers held in float32, computed
// as its MLAS kernel does: c = clamp(round(a·ra + (b·rb + fixed))), both
// products fused multiply-adds, with ra = as/cs, rb = bs/cs and fixed =
// cz − (ra·az + rb·bz), the operands not shifted first. Its gradient is
// straight through: ra for a, rb for b, where c was not clipped.
type qadd struct {
	ra, rb, fixed float32
	lo, hi        float32
}

func (q qadd) String() string { return fmt.Sprintf("QLinearAdd(%g, %g, %g)", q.ra, q.rb, q.fixed) }

func (qadd) OutShape(in [][]int) ([]int, error) {
	if len(in) != 2 || !slices.Equal(in[0], in[1]) {
		return nil, fmt.Errorf("want two operands of one shape, got %v", in)
	}
	return append([]int(nil), in[0]...), nil
}

func (qadd) Diffable(int) bool { return true }

// Overwrites implements Overwriter.
func (qadd) Overwrites(bool, int) bool { return true }

// fma32 is a float32 fused multiply-add: x·y + z rounded once (through
// float64, exact for the product of two float32).
func fma32(x, y, z float32) float32 { return float32(math.FMA(float64(x), float64(y), float64(z))) }

func (q qadd) value(a, b float32) float32 {
	return float32(math.RoundToEven(float64(fma32(a, q.ra, fma32(b, q.rb, q.fixed)))))
}

func (q qadd) Forward(in []*Tensor, out *Tensor) {
	a, b := in[0].Data, in[1].Data
	chunked(len(out.Data), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out.Data[i] = min(max(q.value(a[i], b[i]), q.lo), q.hi)
		}
	})
}

func (q qadd) Backward(i int, in []*Tensor, out, gout, gin *Tensor) {
	a, b := in[0].Data, in[1].Data
	r := q.ra
	if i == 1 {
		r = q.rb
	}
	chunked(len(gin.Data), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			if v := q.value(a[k], b[k]); v >= q.lo && v <= q.hi {
				gin.Data[k] = gout.Data[k] * r
			} else {
				gin.Data[k] = 0
			}
		}
	})
}

// QLinearAdd adds two quantised tensors of one shape into a third
// quantisation, as onnxruntime's QLinearAdd does (see qadd): scales as,
// bs, cs and zero points az, bz, cz; lo, hi the output type's range.
func QLinearAdd(a, b *Node, as, az, bs, bz, cs, cz, lo, hi float32) (*Node, error) {
	ra, rb := as/cs, bs/cs
	fixed := cz - (ra*az + rb*bz)
	return Apply(qadd{ra: ra, rb: rb, fixed: fixed, lo: lo, hi: hi}, a, b)
}
