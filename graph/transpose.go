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

// rows returns, for each row of the output (its last axis), the offset of
// its first element in the input, and the input stride along the row.
func (k transpose) rows(inShape []int) (rowOff []int, n, stride int) {
	r := len(inShape)
	st := strides(inShape)
	os, ost := make([]int, r), make([]int, r)
	for d, p := range k.perm {
		os[d], ost[d] = inShape[p], st[p]
	}
	if r == 0 {
		return []int{0}, 1, 1
	}
	eachIndex(os[:r-1], func(_ int, at []int) {
		off := 0
		for d, a := range at {
			off += a * ost[d]
		}
		rowOff = append(rowOff, off)
	})
	return rowOff, os[r-1], ost[r-1]
}

// Overwrites implements Overwriter: a permutation writes every element.
func (k transpose) Overwrites(bool, int) bool { return true }

// Forward gathers each output row: a copy where the last axis stays last
// (attention's head split), a strided read otherwise (NCHW ↔ NHWC).
func (k transpose) Forward(in []*Tensor, out *Tensor) {
	rows, n, is := k.rows(in[0].Shape)
	x, y := in[0].Data, out.Data
	eachRow(len(rows), false, func(r int) {
		ys, i := y[r*n:(r+1)*n], rows[r]
		if is == 1 {
			copy(ys, x[i:i+n])
			return
		}
		for t := range ys {
			ys[t] = x[i+t*is]
		}
	})
}

// Backward scatters each row back: the permutation is a bijection, so the
// rows write disjoint elements and run in parallel.
// GradReads implements GradReader: the gradient is the output's, permuted.
func (k transpose) GradReads(i, j int) bool { return false }

func (k transpose) Backward(_ int, in []*Tensor, _, gout, gin *Tensor) {
	rows, n, is := k.rows(in[0].Shape)
	g, d := gout.Data, gin.Data
	eachRow(len(rows), false, func(r int) {
		gs, i := g[r*n:(r+1)*n], rows[r]
		if is == 1 {
			copy(d[i:i+n], gs)
			return
		}
		for t, v := range gs {
			d[i+t*is] = v
		}
	})
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
