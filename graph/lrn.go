package graph

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/scratch"
	"github.com/invrep/invrep/graph/vec"
)

// LRNParams are ONNX LRN's attributes.
type LRNParams struct {
	Size              int
	Alpha, Beta, Bias float64
}

// lrn is local response normalisation across channels:
// y_c = x_c / (bias + alpha/size · Σ_{c' ∈ win(c)} x_c'²)^beta with
// win(c) = [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉].
type lrn struct {
	p    LRNParams
	memo *Memo // the scale s, from forward to backward
}

func (k lrn) String() string {
	return fmt.Sprintf("LRN(size=%d,alpha=%g,beta=%g,bias=%g)", k.p.Size, k.p.Alpha, k.p.Beta, k.p.Bias)
}
func (k lrn) Diffable(int) bool { return true }

// Overwrites implements Overwriter.
func (k lrn) Overwrites(bool, int) bool { return true }
func (k lrn) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) < 2 {
		return nil, fmt.Errorf("want one [N,C,...] input, got %v", in)
	}
	return append([]int(nil), in[0]...), nil
}

// lrnState is what the forward pass leaves the backward: per element
// r = s^−β and rs = s^(−β−1) for the scale s, and room for s and the
// backward's t. Its buffers are reused from run to run.
type lrnState struct{ s, r, rs, t []float32 }

func (k lrn) state(n int) *lrnState {
	if st, ok := k.memo.Last().(*lrnState); ok && len(st.s) == n {
		return st
	}
	return &lrnState{s: make([]float32, n), r: make([]float32, n), rs: make([]float32, n), t: make([]float32, n)}
}

// pow is s^e, without math.Pow for β = 0.5 (L2 normalisation); AlexNet's
// β = 0.75 goes through vec.LRNScale.
func pow(s, e float64) float64 {
	switch e {
	case -0.5:
		return 1 / math.Sqrt(s)
	}
	return math.Pow(s, e)
}

// planes runs f(b, c, off) for every [N,C] plane at offset off, in parallel.
func planes(x *Tensor, f func(b, c, off int)) {
	n, c := x.Shape[0], x.Shape[1]
	sp := len(x.Data) / (n * c)
	parallel.For(n*c, func(p int) { f(p/c, p%c, p*sp) })
}

func (k lrn) Forward(in []*Tensor, out *Tensor) {
	x := in[0]
	st := k.state(len(x.Data))
	c := x.Shape[1]
	sp := len(x.Data) / (x.Shape[0] * c)
	lo, hi := (k.p.Size-1)/2, (k.p.Size-1)-(k.p.Size-1)/2
	a := float32(k.p.Alpha / float64(k.p.Size))
	bias := float32(k.p.Bias)
	if lo >= c-1 && hi >= c-1 {
		// Every channel's window is all of them (DSIFT's normalisation,
		// size 257 over 128 bins): the sum and the scales are the same for
		// all, so they are taken once per image, in its first plane.
		n := x.Shape[0]
		k.channelSums(x.Data, x.Data, st.s, n, c, sp)
		parallel.For(n, func(b int) {
			at := b * c * sp
			k.scales(st.r[at:at+sp], st.rs[at:at+sp], st.s[at:at+sp], bias, a)
		})
		planes(x, func(b, _, off int) {
			vec.Mul(out.Data[off:off+sp], x.Data[off:off+sp], st.r[b*c*sp:][:sp])
		})
		k.memo.Put(x, st)
		return
	}
	planes(x, func(b, ch, off int) {
		s := st.s[off : off+sp]
		clear(s)
		for j := max(ch-lo, 0); j <= min(ch+hi, c-1); j++ {
			plane := x.Data[(b*c+j)*sp : (b*c+j+1)*sp]
			vec.AddMul(s, plane, plane)
		}
		r, rs := st.r[off:off+sp], st.rs[off:off+sp]
		k.scales(r, rs, s, bias, a)
		vec.Mul(out.Data[off:off+sp], x.Data[off:off+sp], r)
	})
	k.memo.Put(x, st)
}

// scales sets r = v^−β and rs = v^(−β−1) for v = bias + a·s.
func (k lrn) scales(r, rs, s []float32, bias, a float32) {
	if k.p.Beta == 0.75 {
		vec.LRNScale(r, rs, s, bias, a)
		return
	}
	for i, v := range s {
		v = bias + a*v
		r[i] = float32(pow(float64(v), -k.p.Beta))
		rs[i] = r[i] / v
	}
}

// Backward: dx_j = g_j s_j^−β − (2αβ/size) x_j Σ_{c: j ∈ win(c)} g_c x_c s_c^(−β−1).
func (k lrn) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	x := in[0]
	v, ok := k.memo.Get(x)
	if !ok {
		k.Forward(in, NewTensor(out.Shape...))
		v, _ = k.memo.Get(x)
	}
	st := v.(*lrnState)
	c := x.Shape[1]
	sp := len(x.Data) / (x.Shape[0] * c)
	lo, hi := (k.p.Size-1)/2, (k.p.Size-1)-(k.p.Size-1)/2
	f := float32(2 * k.p.Alpha * k.p.Beta / float64(k.p.Size))
	if lo >= c-1 && hi >= c-1 {
		// The scales are the same for every channel (see Forward), so
		// Σ_c g_c x_c s^(−β−1) = s^(−β−1)·Σ_c g_c x_c, taken once per
		// image in the first plane of t, times f.
		n := x.Shape[0]
		k.channelSums(gout.Data, x.Data, st.t, n, c, sp)
		parallel.For(n, func(b int) {
			t, rs := st.t[b*c*sp:][:sp], st.rs[b*c*sp:][:sp]
			for i := range t {
				t[i] = f * t[i] * rs[i]
			}
		})
		planes(x, func(b, _, off int) {
			at := b * c * sp
			vec.MulSub(gin.Data[off:off+sp], gout.Data[off:off+sp], st.r[at:at+sp], x.Data[off:off+sp], st.t[at:at+sp])
		})
		return
	}
	planes(x, func(_, _, off int) { // t_c = g_c x_c s_c^(−β−1)
		t := st.t[off : off+sp]
		vec.Mul(t, gout.Data[off:off+sp], x.Data[off:off+sp])
		vec.Mul(t, t, st.rs[off:off+sp])
	})
	planes(x, func(b, j, off int) {
		// channel j lies in win(ch) for ch ∈ [j − hi, j + lo]; u is f
		// times their sum of t.
		d, g, r, xs := gin.Data[off:off+sp], gout.Data[off:off+sp], st.r[off:off+sp], x.Data[off:off+sp]
		u := scratch.Take(sp)
		defer scratch.Give(u)
		first := max(j-hi, 0)
		copy(u, st.t[(b*c+first)*sp:(b*c+first+1)*sp])
		for ch := first + 1; ch <= min(j+lo, c-1); ch++ {
			vec.Axpy(u, st.t[(b*c+ch)*sp:(b*c+ch+1)*sp], 1)
		}
		vec.ScaleAdd(u, u, f, 0)
		vec.MulSub(d, g, r, u, xs)
	})
}

// channelSums sets, for each of n images of c planes of sp values, the
// first plane of dst (an image's stride c·sp; dst of n·sp values when its
// length is that) to Σ_c x_c·y_c over the channels (Σ_c x_c where y is
// nil), split between the cores by runs of positions.
func (k lrn) channelSums(x, y, dst []float32, n, c, sp int) {
	stride := c * sp
	if len(dst) == n*sp {
		stride = sp
	}
	const run = 1024
	runs := (sp + run - 1) / run
	parallel.For(n*runs, func(t int) {
		b, p0 := t/runs, t%runs*run
		p1 := min(sp, p0+run)
		s := dst[b*stride+p0 : b*stride+p1]
		clear(s)
		for ch := 0; ch < c; ch++ {
			xs := x[(b*c+ch)*sp+p0 : (b*c+ch)*sp+p1]
			if y == nil {
				vec.Axpy(s, xs, 1)
			} else {
				vec.AddMul(s, xs, y[(b*c+ch)*sp+p0:(b*c+ch)*sp+p1])
			}
		}
	})
}

// LRN is ONNX local response normalisation.
func LRN(x *Node, p LRNParams) (*Node, error) {
	if p.Size <= 0 {
		return nil, fmt.Errorf("LRN: size %d must be positive", p.Size)
	}
	return Apply(lrn{p: p, memo: &Memo{}}, x)
}
