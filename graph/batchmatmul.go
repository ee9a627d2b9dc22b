package graph

import (
	"fmt"

	"github.com/invrep/invrep/graph/parallel"
)

// batchMatMul is numpy's matmul for inputs of rank ≥ 2: A [..., m, k] times
// B [..., k, n], the leading (batch) axes broadcast. It is attention's
// product of queries and keys, and of weights and values, per head.
type batchMatMul struct{}

func (batchMatMul) String() string    { return "BatchMatMul" }
func (batchMatMul) Diffable(int) bool { return true }

func (batchMatMul) OutShape(in [][]int) ([]int, error) {
	if len(in) != 2 || len(in[0]) < 2 || len(in[1]) < 2 {
		return nil, fmt.Errorf("want two inputs of rank ≥ 2, got %v", in)
	}
	a, b := in[0], in[1]
	if a[len(a)-1] != b[len(b)-2] {
		return nil, fmt.Errorf("inner dimensions differ: %v × %v", a, b)
	}
	batch, err := BroadcastShape(a[:len(a)-2], b[:len(b)-2])
	if err != nil {
		return nil, err
	}
	return append(batch, a[len(a)-2], b[len(b)-1]), nil
}

// plan returns m, k, n, the batch count and, per batch, the matrix offsets
// of A and B.
func (batchMatMul) plan(a, b, out []int) (m, k, n int, offA, offB []int) {
	m, k, n = a[len(a)-2], a[len(a)-1], b[len(b)-1]
	batch := out[:len(out)-2]
	sa, sb := bstrides(a[:len(a)-2], batch), bstrides(b[:len(b)-2], batch)
	eachIndex(batch, func(_ int, at []int) {
		oa, ob := 0, 0
		for d, i := range at {
			oa += i * sa[d]
			ob += i * sb[d]
		}
		offA = append(offA, oa*m*k)
		offB = append(offB, ob*k*n)
	})
	return
}

func (p batchMatMul) Forward(in []*Tensor, out *Tensor) {
	m, k, n, offA, offB := p.plan(in[0].Shape, in[1].Shape, out.Shape)
	a, b, c := in[0].Data, in[1].Data, out.Data
	parallel.For(len(offA), func(i int) {
		product.Mul(false, false, m, n, k, a[offA[i]:], k, b[offB[i]:], n, 0, c[i*m*n:], n)
	})
}

// Backward: dA = G·Bᵀ and dB = Aᵀ·G per batch, summed over the batches
// that shared an operand (then one after another, as they add into the
// same matrix).
func (p batchMatMul) Backward(i int, in []*Tensor, out, gout, gin *Tensor) {
	m, k, n, offA, offB := p.plan(in[0].Shape, in[1].Shape, out.Shape)
	a, b, g, d := in[0].Data, in[1].Data, gout.Data, gin.Data
	off := offA
	if i == 1 {
		off = offB
	}
	step := func(j int) {
		if i == 0 { // [m,k] += G[m,n] · B[k,n]ᵀ
			product.Mul(false, true, m, k, n, g[j*m*n:], n, b[offB[j]:], n, 1, d[offA[j]:], k)
		} else { // [k,n] += A[m,k]ᵀ · G[m,n]
			product.Mul(true, false, k, n, m, a[offA[j]:], k, g[j*m*n:], n, 1, d[offB[j]:], n)
		}
	}
	if len(off)*Numel(in[i].Shape[len(in[i].Shape)-2:]) == len(d) {
		parallel.For(len(off), step) // each batch owns its operand
		return
	}
	for j := range off {
		step(j)
	}
}

// BatchMatMul is numpy's matmul for inputs of rank ≥ 2, with broadcast
// batch axes.
func BatchMatMul(a, b *Node) (*Node, error) { return Apply(batchMatMul{}, a, b) }
