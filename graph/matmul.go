package graph

import (
	"fmt"
	"math"
)

func sqrt(v float64) float64 { return math.Sqrt(v) }

// matmul is y = alpha·op(A)·op(B) for 2-D A and B, op = transpose or not.
type matmul struct {
	transA, transB bool
	alpha          float32
}

func (k matmul) String() string {
	return fmt.Sprintf("MatMul(tA=%v,tB=%v,alpha=%g)", k.transA, k.transB, k.alpha)
}
func (k matmul) Diffable(int) bool { return true }

func (k matmul) dims(a, b []int) (m, kk, n int) {
	m, kk = a[0], a[1]
	if k.transA {
		m, kk = kk, m
	}
	n = b[1]
	if k.transB {
		n = b[0]
	}
	return
}

func (k matmul) OutShape(in [][]int) ([]int, error) {
	if len(in) != 2 || len(in[0]) != 2 || len(in[1]) != 2 {
		return nil, fmt.Errorf("want two 2-D inputs, got %v", in)
	}
	m, kk, n := k.dims(in[0], in[1])
	kb := in[1][0]
	if k.transB {
		kb = in[1][1]
	}
	if kk != kb {
		return nil, fmt.Errorf("inner dimensions differ: %v × %v", in[0], in[1])
	}
	return []int{m, n}, nil
}

func (k matmul) Forward(in []*Tensor, out *Tensor) {
	m, kk, n := k.dims(in[0].Shape, in[1].Shape)
	product.Mul(k.transA, k.transB, m, n, kk, in[0].Data, in[0].Shape[1], in[1].Data, in[1].Shape[1], 0, out.Data, n)
	if k.alpha != 1 {
		for i := range out.Data {
			out.Data[i] *= k.alpha
		}
	}
}

// Backward: with C = op(A)op(B), dop(A) = α G op(B)ᵀ and dop(B) = α op(A)ᵀ G.
// GradReads implements GradReader: each operand's gradient reads the
// other operand.
func (k matmul) GradReads(i, j int) bool { return j == 1-i }

func (k matmul) Backward(i int, in []*Tensor, _, gout, gin *Tensor) {
	m, kk, n := k.dims(in[0].Shape, in[1].Shape)
	a, b := in[0], in[1]
	if i == 0 {
		if !k.transA { // dA [m,kk] = G [m,n] · op(B)ᵀ
			product.Mul(false, !k.transB, m, kk, n, gout.Data, n, b.Data, b.Shape[1], 0, gin.Data, kk)
		} else { // dA [kk,m] = op(B) · Gᵀ
			product.Mul(k.transB, true, kk, m, n, b.Data, b.Shape[1], gout.Data, n, 0, gin.Data, m)
		}
	} else {
		if !k.transB { // dB [kk,n] = op(A)ᵀ · G
			product.Mul(!k.transA, false, kk, n, m, a.Data, a.Shape[1], gout.Data, n, 0, gin.Data, n)
		} else { // dB [n,kk] = Gᵀ · op(A)
			product.Mul(true, k.transA, n, kk, m, gout.Data, n, a.Data, a.Shape[1], 0, gin.Data, kk)
		}
	}
	if k.alpha != 1 {
		for j := range gin.Data {
			gin.Data[j] *= k.alpha
		}
	}
}

// MatMul is alpha·op(A)·op(B) for 2-D A and B.
func MatMul(a, b *Node, transA, transB bool, alpha float32) (*Node, error) {
	return Apply(matmul{transA: transA, transB: transB, alpha: alpha}, a, b)
}
