package graph

import (
	"fmt"
	"math"
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
func (k lrn) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) < 2 {
		return nil, fmt.Errorf("want one [N,C,...] input, got %v", in)
	}
	return append([]int(nil), in[0]...), nil
}

// scale returns s_c = bias + alpha/size · Σ x² for every element.
func (k lrn) scale(x *Tensor) []float64 {
	n, c := x.Shape[0], x.Shape[1]
	sp := len(x.Data) / (n * c)
	lo, hi := (k.p.Size-1)/2, (k.p.Size-1)-(k.p.Size-1)/2
	s := make([]float64, len(x.Data))
	a := k.p.Alpha / float64(k.p.Size)
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			dst := s[(b*c+ch)*sp : (b*c+ch+1)*sp]
			for j := max(ch-lo, 0); j <= min(ch+hi, c-1); j++ {
				src := x.Data[(b*c+j)*sp : (b*c+j+1)*sp]
				for i, v := range src {
					dst[i] += float64(v) * float64(v)
				}
			}
			for i := range dst {
				dst[i] = k.p.Bias + a*dst[i]
			}
		}
	}
	return s
}

// pow is s^e, without math.Pow for the exponents LRN uses (β = 0.75 as in
// AlexNet and CaffeNet, 0.5 for L2 normalisation).
func pow(s, e float64) float64 {
	switch e {
	case -0.75:
		r := math.Sqrt(s)
		return 1 / (r * math.Sqrt(r))
	case -1.75:
		r := math.Sqrt(s)
		return 1 / (s * r * math.Sqrt(r))
	case -0.5:
		return 1 / math.Sqrt(s)
	case -1.5:
		return 1 / (s * math.Sqrt(s))
	}
	return math.Pow(s, e)
}

func (k lrn) Forward(in []*Tensor, out *Tensor) {
	s := k.scale(in[0])
	for i, v := range in[0].Data {
		out.Data[i] = float32(float64(v) * pow(s[i], -k.p.Beta))
	}
	k.memo.Put(in[0], s)
}

// Backward: dx_j = g_j s_j^−β − (2αβ/size) x_j Σ_{c: j ∈ win(c)} g_c x_c s_c^(−β−1).
func (k lrn) Backward(_ int, in []*Tensor, _, gout, gin *Tensor) {
	x := in[0]
	var s []float64
	if v, ok := k.memo.Get(x); ok {
		s = v.([]float64)
	} else {
		s = k.scale(x)
	}
	n, c := x.Shape[0], x.Shape[1]
	sp := len(x.Data) / (n * c)
	lo, hi := (k.p.Size-1)/2, (k.p.Size-1)-(k.p.Size-1)/2
	t := make([]float64, len(x.Data)) // g_c x_c s_c^(−β−1)
	for i := range t {
		t[i] = float64(gout.Data[i]) * float64(x.Data[i]) * pow(s[i], -k.p.Beta-1)
		gin.Data[i] = float32(float64(gout.Data[i]) * pow(s[i], -k.p.Beta))
	}
	f := 2 * k.p.Alpha * k.p.Beta / float64(k.p.Size)
	for b := 0; b < n; b++ {
		for j := 0; j < c; j++ {
			// channel j lies in win(ch) for ch ∈ [j − hi, j + lo].
			dst := gin.Data[(b*c+j)*sp : (b*c+j+1)*sp]
			xs := x.Data[(b*c+j)*sp : (b*c+j+1)*sp]
			for ch := max(j-hi, 0); ch <= min(j+lo, c-1); ch++ {
				ts := t[(b*c+ch)*sp : (b*c+ch+1)*sp]
				for i := range dst {
					dst[i] -= float32(f * float64(xs[i]) * ts[i])
				}
			}
		}
	}
}

// LRN is ONNX local response normalisation.
func LRN(x *Node, p LRNParams) (*Node, error) {
	if p.Size <= 0 {
		return nil, fmt.Errorf("LRN: size %d must be positive", p.Size)
	}
	return Apply(lrn{p: p, memo: &Memo{}}, x)
}
