package invert

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/invrep/invrep/graph"
)

// ImageNetColorSqrt is the square root of ImageNet's colour covariance
// (RGB), as Lucid decorrelates colours, before its normalisation by the
// largest column norm (colorSqrt).
var ImageNetColorSqrt = [3][3]float64{{0.26, 0.09, 0.02}, {0.27, 0.00, -0.05}, {0.27, -0.09, 0.03}}

// colorSqrt is ImageNetColorSqrt divided by its largest column norm.
var colorSqrt = func() [3][3]float64 {
	m := ImageNetColorSqrt
	best := 0.0
	for c := 0; c < 3; c++ {
		best = math.Max(best, math.Sqrt(m[0][c]*m[0][c]+m[1][c]*m[1][c]+m[2][c]*m[2][c]))
	}
	for r := range m {
		for c := range m[r] {
			m[r][c] /= best
		}
	}
	return m
}()

// PixelParam makes images from one parameter per pixel and channel: a
// sigmoid to 0..1 (Lucid's), optionally after mixing the channels by
// ImageNet's decorrelating colour matrix, then paper units
// 255·(v − Mean_c).
type PixelParam struct {
	Decorrelate bool
	Mean        []float64 // per channel, 0..1 units (the model's)
}

// Shape implements Parameterization.
func (PixelParam) Shape(images []int) []int { return append([]int(nil), images...) }

// Init implements Parameterization: small normal values (an image of
// about 0.5 grey).
func (PixelParam) Init(shape []int, rng *rand.Rand) *graph.Tensor {
	t := graph.NewTensor(shape...)
	for i := range t.Data {
		t.Data[i] = float32(0.01 * rng.NormFloat64())
	}
	return t
}

// Build implements Parameterization.
func (p PixelParam) Build(x *graph.Node, images []int) (*graph.Node, error) {
	if len(images) != 4 {
		return nil, fmt.Errorf("images [N,C,H,W], got %v", images)
	}
	if p.Decorrelate {
		if images[1] != 3 {
			return nil, fmt.Errorf("colour decorrelation needs RGB images, got %d channels", images[1])
		}
		var err error
		if x, err = graph.Apply(colorMix{m: colorSqrt}, x); err != nil {
			return nil, err
		}
	}
	s, err := graph.Sigmoid(x)
	if err != nil {
		return nil, err
	}
	mean := make([]float64, images[1])
	copy(mean, p.Mean)
	return graph.Apply(toPaper{mean: mean}, s)
}

// colorMix is y(v) = M·x(v) for every pixel's colour vector.
type colorMix struct{ m [3][3]float64 }

func (k colorMix) String() string    { return "ColorMix" }
func (k colorMix) Diffable(int) bool { return true }
func (k colorMix) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][1] != 3 {
		return nil, fmt.Errorf("want [N,3,H,W], got %v", in)
	}
	return append([]int(nil), in[0]...), nil
}

func (k colorMix) apply(src, dst []float32, hw, n int, m [3][3]float64) {
	for b := 0; b < n; b++ {
		s, d := src[b*3*hw:(b+1)*3*hw], dst[b*3*hw:(b+1)*3*hw]
		for i := 0; i < hw; i++ {
			r, g, bl := float64(s[i]), float64(s[hw+i]), float64(s[2*hw+i])
			for c := 0; c < 3; c++ {
				d[c*hw+i] = float32(m[c][0]*r + m[c][1]*g + m[c][2]*bl)
			}
		}
	}
}

func (k colorMix) Forward(in []*graph.Tensor, out *graph.Tensor) {
	s := in[0].Shape
	k.apply(in[0].Data, out.Data, s[2]*s[3], s[0], k.m)
}

// Backward: the transposed matrix.
func (k colorMix) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	s := in[0].Shape
	var t [3][3]float64
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			t[r][c] = k.m[c][r]
		}
	}
	k.apply(gout.Data, gin.Data, s[2]*s[3], s[0], t)
}

// toPaper is 255·(v − mean_c): 0..1 images to paper units.
type toPaper struct{ mean []float64 }

func (k toPaper) String() string    { return "ToPaperUnits" }
func (k toPaper) Diffable(int) bool { return true }
func (k toPaper) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][1] != len(k.mean) {
		return nil, fmt.Errorf("want [N,%d,H,W], got %v", len(k.mean), in)
	}
	return append([]int(nil), in[0]...), nil
}

func (k toPaper) Forward(in []*graph.Tensor, out *graph.Tensor) {
	s := in[0].Shape
	hw := s[2] * s[3]
	for p := 0; p < s[0]*s[1]; p++ {
		m := float32(255 * k.mean[p%s[1]])
		src, dst := in[0].Data[p*hw:(p+1)*hw], out.Data[p*hw:(p+1)*hw]
		for i, v := range src {
			dst[i] = 255*v - m
		}
	}
}

func (k toPaper) Backward(_ int, _ []*graph.Tensor, _, gout, gin *graph.Tensor) {
	for i, g := range gout.Data {
		gin.Data[i] = 255 * g
	}
}
