package invert

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/testenv"
)

// TestAugmentationGradients: padding, shifts, crops and warps (a random
// scale and rotation) against finite differences, through a weighted sum.
func TestAugmentationGradients(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	x := randT(rng, 1, 2, 9, 8)
	w := &Warp{Scales: []float64{0.9, 1.1}, Angles: []float64{-7, 9}}
	for _, c := range []struct {
		name string
		a    Augmentation
	}{{"pad", Pad{N: 2, Value: 0.5}}, {"shift", NewShift(3)}, {"crop", NewCropTo(6, 5)}, {"warp", w}} {
		g := graph.New()
		in, _ := g.Input("x", x.Shape...)
		y, err := c.a.Build(in)
		if err != nil {
			t.Fatal(err)
		}
		c.a.Draw(rand.New(rand.NewSource(5)))
		weights := randT(rng, y.Shape()...)
		loss, _ := graph.Dot(y, weights)
		p, err := g.Compile(loss)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(x); err != nil {
			t.Fatal(err)
		}
		grad, _ := p.InputGrad()
		f := func(v []float64) float64 {
			xt := x.Clone()
			for i := range v {
				xt.Data[i] = float32(v[i])
			}
			if err := p.Run(xt); err != nil {
				t.Fatal(err)
			}
			l, _ := p.Loss()
			return l
		}
		x64 := make([]float64, len(x.Data))
		for i, v := range x.Data {
			x64[i] = float64(v)
		}
		testenv.FiniteDiff{H: 1e-3, Tol: 1e-3}.Check(t, c.name, grad.Data, f, x64)
		p.Close()
	}
	if w.scale == 1 && w.angle == 0 {
		t.Error("the warp drew no change")
	}
}

// TestColorDecorrelationInvertible: the colour mix and its inverse
// compose to the identity (the matrix is invertible), and its backward is
// the transposed matrix.
func TestColorDecorrelationInvertible(t *testing.T) {
	m := colorSqrt
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	if math.Abs(det) < 1e-3 {
		t.Fatalf("determinant %g", det)
	}
	var inv [3][3]float64
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			// Cofactor of (c, r) over the determinant.
			a, b := [2]int{(c + 1) % 3, (c + 2) % 3}, [2]int{(r + 1) % 3, (r + 2) % 3}
			inv[r][c] = (m[a[0]][b[0]]*m[a[1]][b[1]] - m[a[0]][b[1]]*m[a[1]][b[0]]) / det
		}
	}
	rng := rand.New(rand.NewSource(3))
	x := randT(rng, 2, 3, 4, 4)
	y, z := graph.NewTensor(x.Shape...), graph.NewTensor(x.Shape...)
	colorMix{m: m}.Forward([]*graph.Tensor{x}, y)
	colorMix{m: inv}.Forward([]*graph.Tensor{y}, z)
	for i := range x.Data {
		if math.Abs(float64(z.Data[i]-x.Data[i])) > 1e-5 {
			t.Fatalf("M⁻¹Mx [%d] = %g, x %g", i, z.Data[i], x.Data[i])
		}
	}
	checkTerm(t, "colour mix", mixedSum{}, x, identity, func(v []float64) float64 {
		s := 0.0
		for n := 0; n < 2; n++ {
			for q := 0; q < 16; q++ {
				for r := 0; r < 3; r++ {
					for c := 0; c < 3; c++ {
						s += float64(r+1) * m[r][c] * v[n*48+c*16+q]
					}
				}
			}
		}
		return s
	})
}

// mixedSum is Σ (r+1)·(M x)_r: a scalar through the colour mix.
type mixedSum struct{}

func (mixedSum) Name() string { return "mixed" }
func (mixedSum) Build(x, _ *graph.Node) (*graph.Node, error) {
	y, err := graph.Apply(colorMix{m: colorSqrt}, x)
	if err != nil {
		return nil, err
	}
	w := graph.NewTensor(y.Shape()...)
	for i := range w.Data {
		w.Data[i] = float32(i/16%3 + 1)
	}
	return graph.Dot(y, w)
}

// TestAdamStep: two steps by hand.
func TestAdamStep(t *testing.T) {
	o := NewAdam(0.9, 0.999)
	x := &graph.Tensor{Shape: []int{2}, Data: []float32{1, -2}}
	g := &graph.Tensor{Shape: []int{2}, Data: []float32{0.5, -4}}
	o.Step(x, g, 0.1)
	// Step 1: m̂ = g, v̂ = g², so each moves by lr·sign(g).
	if math.Abs(float64(x.Data[0])-0.9) > 1e-6 || math.Abs(float64(x.Data[1])+1.9) > 1e-6 {
		t.Fatalf("step 1: %v", x.Data)
	}
	o.Step(x, g, 0.1)
	if math.Abs(float64(x.Data[0])-0.8) > 1e-5 || math.Abs(float64(x.Data[1])+1.8) > 1e-5 {
		t.Fatalf("step 2 (same gradient, same step): %v", x.Data)
	}
}

// linearLayers is a 1×1 convolution by an invertible 3×3 matrix W: the
// cosine with v of its vector at every pixel is largest, 1, where the
// pixel's colour is along W⁻¹v.
type linearLayers struct{ w *graph.Tensor }

func (l linearLayers) BuildLayers(shape []int, front Front, layers []string) (*graph.Graph, map[string]*graph.Node, error) {
	g := graph.New()
	x, err := g.Input("x", shape...)
	if err != nil {
		return nil, nil, err
	}
	if front != nil {
		if x, err = front(x); err != nil {
			return nil, nil, err
		}
	}
	y, err := graph.Conv(x, g.Const(l.w), nil, graph.ConvParams{})
	return g, map[string]*graph.Node{"lin": y}, err
}

// TestVisualizeDirection: on the linear fixture, maximising the cosine
// with v reaches its closed-form optimum (cosine 1 at every pixel).
func TestVisualizeDirection(t *testing.T) {
	w := &graph.Tensor{Shape: []int{3, 3, 1, 1}, Data: []float32{1, 0.2, 0, 0.1, 1, 0.3, 0, -0.2, 1}}
	v := []float32{0.3, -0.5, 0.2}
	sched := Schedule{{Iters: 150, LR: 0.05}}
	res, err := Visualize(context.Background(), linearLayers{w}, VisualizeOptions{
		Options: Options{ImageShape: []int{3, 8, 8}, Repeats: 2, Seed: 1, Schedule: sched, NoSafeguard: true,
			Objective: Scale(1, Direction{Layer: "lin", V: v, Cosine: true})},
		Param: PixelParam{Mean: []float64{0.5, 0.5, 0.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	last := res.History[len(res.History)-1].Energy
	// The energy is −Σ_n mean cos: −2 at the optimum.
	if !(last < -1.98) {
		t.Errorf("energy %g, want close to −2 (cosine 1 for both images)", last)
	}
	if len(res.Images.Shape) != 4 || res.Images.Shape[0] != 2 {
		t.Errorf("images %v", res.Images.Shape)
	}
	t.Logf("energy %g → %g", res.History[0].Energy, last)
}

// TestParseAugmentations: lists, their shapes, the crop back, and errors.
func TestParseAugmentations(t *testing.T) {
	a, err := ParseAugmentations("pad=4, jitter=2, scale=0.8:1.2, rotate=5", 20, 20)
	if err != nil || len(a) != 5 {
		t.Fatalf("%v %v", a, err)
	}
	size := []int{1, 3, 20, 20}
	for _, x := range a {
		size = x.Out(size)
	}
	if size[2] != 20 || size[3] != 20 {
		t.Errorf("ends at %v", size)
	}
	if w := a[2].(*Warp); w.Scales[0] != 0.8 || math.Abs(w.Scales[10]-1.2) > 1e-12 || len(a[3].(*Warp).Angles) != 11 {
		t.Errorf("warps %v %v", w.Scales, a[3].(*Warp).Angles)
	}
	if s, _ := ParseAugmentations("standard", 20, 20); len(s) != 5 {
		t.Errorf("standard: %d", len(s))
	}
	for _, bad := range []string{"pad", "jitter=x", "shear", "jitter=4", "scale=2:1", "rotate=-3"} {
		if _, err := ParseAugmentations(bad, 20, 20); err == nil {
			t.Errorf("%q was taken", bad)
		}
	}
}
