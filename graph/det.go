package graph

import (
	"fmt"
	"math"
)

// det is the determinant of each n×n matrix on the last two axes (ONNX's
// Det). Its gradient is the cofactor matrix (det·A⁻ᵀ where A is
// invertible), computed from minors so that a singular A has one too.
type det struct{}

func (det) String() string    { return "Det" }
func (det) Diffable(int) bool { return true }
func (det) OutShape(in [][]int) ([]int, error) {
	s := in[0]
	if len(s) < 2 || s[len(s)-1] != s[len(s)-2] {
		return nil, fmt.Errorf("want square matrices on the last two axes, got %v", s)
	}
	return append([]int(nil), s[:len(s)-2]...), nil
}

// Overwrites implements Overwriter.
func (det) Overwrites(bool, int) bool { return true }

// determinant of the n×n row-major a by elimination with partial pivoting,
// in float64 (a is overwritten).
func determinant(a []float64, n int) float64 {
	d := 1.0
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r*n+c]) > math.Abs(a[p*n+c]) {
				p = r
			}
		}
		if a[p*n+c] == 0 {
			return 0
		}
		if p != c {
			for k := 0; k < n; k++ {
				a[c*n+k], a[p*n+k] = a[p*n+k], a[c*n+k]
			}
			d = -d
		}
		d *= a[c*n+c]
		for r := c + 1; r < n; r++ {
			f := a[r*n+c] / a[c*n+c]
			for k := c; k < n; k++ {
				a[r*n+k] -= f * a[c*n+k]
			}
		}
	}
	return d
}

func (det) Forward(in []*Tensor, out *Tensor) {
	s := in[0].Shape
	n := s[len(s)-1]
	m := make([]float64, n*n)
	for b := range out.Data {
		for i := range m {
			m[i] = float64(in[0].Data[b*n*n+i])
		}
		out.Data[b] = float32(determinant(m, n))
	}
}

func (det) Backward(_ int, in []*Tensor, _, gout, gin *Tensor) {
	s := in[0].Shape
	n := s[len(s)-1]
	minor := make([]float64, (n-1)*(n-1))
	for b, g := range gout.Data {
		a := in[0].Data[b*n*n : (b+1)*n*n]
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				k := 0
				for r := 0; r < n; r++ {
					for c := 0; c < n; c++ {
						if r != i && c != j {
							minor[k] = float64(a[r*n+c])
							k++
						}
					}
				}
				cof := determinant(minor, n-1)
				if (i+j)%2 == 1 {
					cof = -cof
				}
				gin.Data[b*n*n+i*n+j] = float32(float64(g) * cof)
			}
		}
	}
}

// Det is the determinant of each square matrix on x's last two axes.
func Det(x *Node) (*Node, error) { return Apply(det{}, x) }
