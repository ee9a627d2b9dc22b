package graph

import "fmt"

// transpose permutes axes: out axis i is input axis perm[i].
type transpose struct{ perm []int }

func (k transpose) String() string    { return fmt.Sprintf("Transpose(%v)", k.perm) }
func (k transpose) Diffable(int) bool { return true }
func (k transpose) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != len(k.perm) {
		return nil, fmt.Errorf("perm %v does not fit input %v", k.perm, in)
	}
	seen := make([]bool, len(k.perm))
	out := make([]int, len(k.perm))
	for i, p := range k.perm {
		if p < 0 || p >= len(k.perm) || seen[p] {
			return nil, fmt.Errorf("perm %v is not a permutation", k.perm)
		}
		seen[p] = true
		out[i] = in[0][p]
	}
	return out, nil
}

// walk calls f(o, i) for each output offset o and its input offset i.
func (k transpose) walk(inShape []int, f func(o, i int)) {
	r := len(inShape)
	st := make([]int, r)
	acc := 1
	for d := r - 1; d >= 0; d-- {
		st[d] = acc
		acc *= inShape[d]
	}
	os, ost := make([]int, r), make([]int, r)
	for d, p := range k.perm {
		os[d], ost[d] = inShape[p], st[p]
	}
	idx := make([]int, r)
	i := 0
	for o := 0; o < acc; o++ {
		f(o, i)
		for d := r - 1; d >= 0; d-- {
			idx[d]++
			i += ost[d]
			if idx[d] < os[d] {
				break
			}
			i -= ost[d] * os[d]
			idx[d] = 0
		}
	}
}

func (k transpose) Forward(in []*Tensor, out *Tensor) {
	k.walk(in[0].Shape, func(o, i int) { out.Data[o] = in[0].Data[i] })
}
func (k transpose) Backward(_ int, in []*Tensor, _, gout, gin *Tensor) {
	k.walk(in[0].Shape, func(o, i int) { gin.Data[i] = gout.Data[o] })
}

// Transpose permutes the axes of x; an empty perm reverses them.
func Transpose(x *Node, perm []int) (*Node, error) {
	if len(perm) == 0 {
		for d := len(x.shape) - 1; d >= 0; d-- {
			perm = append(perm, d)
		}
	}
	return Apply(transpose{append([]int(nil), perm...)}, x)
}
