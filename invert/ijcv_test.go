package invert

import (
	"context"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestIJCVTerms: the bounded-range prior (per-pixel colour norms), its
// per-pixel average and the inner-product loss against float64 references
// and finite differences.
func TestIJCVTerms(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	x := randT(rng, 2, 3, 4, 5)
	colour := func(alpha, scale float64) func([]float64) float64 {
		return func(x []float64) float64 {
			s := 0.0
			for n := 0; n < 2; n++ {
				for i := 0; i < 20; i++ {
					q := 0.0
					for c := 0; c < 3; c++ {
						v := x[n*60+c*20+i]
						q += v * v
					}
					s += math.Pow(q, alpha/2)
				}
			}
			return s * scale
		}
	}
	checkTerm(t, "range6", ColorNorm{Alpha: 6}, x, identity, colour(6, 1))
	checkTerm(t, "range3", ColorNorm{Alpha: 3}, x, identity, colour(3, 1))
	checkTerm(t, "range6 per pixel", PerPixel{ColorNorm{Alpha: 6}}, x, identity, colour(6, 1.0/20))
	checkTerm(t, "blur", Blur{}, x, identity, func(v []float64) float64 {
		s := 0.0
		for p := 0; p < 6; p++ {
			for i := 0; i < 4; i++ {
				for j := 0; j < 5; j++ {
					b := 0.0
					for di := -1; di <= 1; di++ {
						for dj := -1; dj <= 1; dj++ {
							if y, z := i+di, j+dj; y >= 0 && y < 4 && z >= 0 && z < 5 {
								b += v[p*20+y*5+z]
							}
						}
					}
					d := v[p*20+i*5+j] - b/9
					s += d * d / 2
				}
			}
		}
		return s
	})
	ref := randT(rng, 1, 3, 4, 5)
	checkTerm(t, "inner", Inner{Target: ref}, x, identity, func(x []float64) float64 {
		s := 0.0
		for i, v := range x {
			s -= v * float64(ref.Data[i%60])
		}
		return s
	})
}

// TestAdaGradMomentumStep: two steps by hand, with the momentum cleared
// and G kept by Reset (the code's behaviour).
func TestAdaGradMomentumStep(t *testing.T) {
	o := NewAdaGradMomentum()
	x := &graph.Tensor{Shape: []int{2}, Data: []float32{1, -2}}
	g := &graph.Tensor{Shape: []int{2}, Data: []float32{0.5, -4}}
	lr := 10.0
	o.Step(x, g, lr)
	// G = g², µ = −g/(1/lr + |g|).
	mu := []float64{-0.5 / (0.1 + 0.5), 4 / (0.1 + 4)}
	want := []float64{1 + mu[0], -2 + mu[1]}
	for i := range want {
		if math.Abs(float64(x.Data[i])-want[i]) > 1e-6 {
			t.Fatalf("step 1: x = %v, want %v", x.Data, want)
		}
	}
	o.Reset()
	o.Step(x, g, lr)
	// G = 0.9g² + g², µ = 0 − g/(1/lr + √G).
	for i, gv := range []float64{0.5, -4} {
		want[i] += -gv / (0.1 + math.Sqrt(1.9*gv*gv))
	}
	for i := range want {
		if math.Abs(float64(x.Data[i])-want[i]) > 1e-5 {
			t.Fatalf("step 2: x = %v, want %v", x.Data, want)
		}
	}
}

// TestProjectBall: pixels beyond the radius land on it, along their own
// direction; the others are untouched.
func TestProjectBall(t *testing.T) {
	// One repeat, 2 channels, 1×2 pixels: (3, 4) has norm 5, (0.6, 0.8) 1.
	x := &graph.Tensor{Shape: []int{1, 2, 1, 2}, Data: []float32{3, 0.6, 4, 0.8}}
	ProjectBall(x, 2)
	want := []float32{1.2, 0.6, 1.6, 0.8}
	for i, v := range want {
		if math.Abs(float64(x.Data[i]-v)) > 1e-6 {
			t.Fatalf("projected %v, want %v", x.Data, want)
		}
	}
}

// TestJitterCropScatter: the jitter's window is the canvas at the drawn
// offset, exactly; its gradient is the window's gradient put back at that
// offset and zero elsewhere; at rest it is the centre, where Place and
// Image meet.
func TestJitterCropScatter(t *testing.T) {
	j := NewJitter(4)
	image := []int{2, 3, 5, 6}
	canvas := j.Canvas(image)
	if !slices.Equal(canvas, []int{2, 3, 8, 9}) {
		t.Fatalf("canvas %v", canvas)
	}
	g := graph.New()
	x, _ := g.Input("x", canvas...)
	y, err := j.Build(x, image)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(3))
	weights := randT(rng, image...)
	loss, _ := graph.Dot(y, weights)
	p, err := g.Compile(loss, y)
	if err != nil {
		t.Fatal(err)
	}
	in := randT(rng, canvas...)
	seen := map[[2]int]bool{}
	for it := 0; it < 100; it++ {
		j.Draw(rng)
		seen[[2]int{j.dy, j.dx}] = true
		if err := p.Run(in); err != nil {
			t.Fatal(err)
		}
		out, _ := p.Output(0)
		grad, _ := p.InputGrad()
		for pl := 0; pl < 6; pl++ {
			for a := 0; a < 8; a++ {
				for b := 0; b < 9; b++ {
					ci := (pl*8+a)*9 + b
					inWin := a >= j.dy && a < j.dy+5 && b >= j.dx && b < j.dx+6
					wantG := float32(0)
					if inWin {
						wi := (pl*5+a-j.dy)*6 + b - j.dx
						if out.Data[wi] != in.Data[ci] {
							t.Fatalf("offset %d,%d: window [%d] = %g, canvas %g", j.dy, j.dx, wi, out.Data[wi], in.Data[ci])
						}
						wantG = weights.Data[wi]
					}
					if grad.Data[ci] != wantG {
						t.Fatalf("offset %d,%d: gradient [%d] = %g, want %g", j.dy, j.dx, ci, grad.Data[ci], wantG)
					}
				}
			}
		}
	}
	if len(seen) != 16 {
		t.Errorf("%d of 16 offsets drawn in 100 iterations", len(seen))
	}
	j.Fix()
	if j.dy != 1 || j.dx != 1 {
		t.Errorf("rest at %d,%d, want the centre 1,1", j.dy, j.dx)
	}
	img := randT(rng, image...)
	if back := j.Image(j.Place(img)); !slices.Equal(back.Data, img.Data) {
		t.Error("Image(Place(x)) is not x")
	}
	if JitterFromStride(32) != 8 || JitterFromStride(4) != 1 || JitterFromStride(2) != 1 || JitterFromStride(6) != 2 {
		t.Error("J = max(round(s/4), 1)")
	}
}

// TestIJCVInit: each repeat's 0.95 quantile is B/√3, as the code scales
// its uniform noise.
func TestIJCVInit(t *testing.T) {
	x := IJCVInit([]int{2, 3, 20, 30}, 1)
	per := len(x.Data) / 2
	for n := 0; n < 2; n++ {
		s := slices.Clone(x.Data[n*per : (n+1)*per])
		slices.Sort(s)
		if q := quantile(s, 0.95); math.Abs(q-RangeB/math.Sqrt(3)) > 1e-3 {
			t.Errorf("repeat %d: 0.95 quantile %g, want %g", n, q, RangeB/math.Sqrt(3))
		}
	}
}

// TestReconstructIJCV: the IJCV energy with jitter on a small network,
// through Reconstruct: the images come out image-sized, every pixel within
// B₊, and the feature error falls well below the start's.
func TestReconstructIJCV(t *testing.T) {
	rep := behindFunc{3}
	x0 := smoothImage(3, 64, 64)
	opts := Options{
		Repeats: 2, Seed: 1, NoSafeguard: true,
		Objective: IJCVObjective(Original(), 20, 2),
		Optimizer: Projected{NewAdaGradMomentum(), RangeBPlus},
		Schedule:  IJCVSchedule(64*64, 120, 1),
		Transform: NewJitter(3),
		Init:      IJCVInit([]int{2, 3, 66, 66}, 1),
	}
	res, err := Reconstruct(context.Background(), rep, x0, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Images.Shape, []int{2, 3, 64, 64}) {
		t.Fatalf("images %v", res.Images.Shape)
	}
	for _, e := range res.RelErr {
		if !(e < 0.2) {
			t.Errorf("relative feature error %g, want < 0.2", e)
		}
	}
	for n := 0; n < 2; n++ {
		for i := 0; i < 64*64; i++ {
			s := 0.0
			for c := 0; c < 3; c++ {
				v := float64(res.Images.Data[(n*3+c)*64*64+i])
				s += v * v
			}
			if s > RangeBPlus*RangeBPlus*1.0001 {
				t.Fatalf("a pixel of norm %g beyond B₊", math.Sqrt(s))
			}
		}
	}
	t.Logf("relative errors %v, energy %g → %g", res.RelErr, res.History[0].Energy, res.History[len(res.History)-1].Energy)
}

// behindFunc is tinyNet, also built behind a front.
type behindFunc struct{ seed int64 }

func (b behindFunc) Build(shape []int) (*graph.Graph, *graph.Node, error) {
	return tinyNet(b.seed).Build(shape)
}

func (b behindFunc) BuildBehind(shape []int, front Front) (*graph.Graph, *graph.Node, error) {
	g := graph.New()
	x, err := g.Input("canvas", shape...)
	if err != nil {
		return nil, nil, err
	}
	y, err := front(x)
	if err != nil {
		return nil, nil, err
	}
	phi, err := tinyConv(g, y, b.seed)
	return g, phi, err
}

// TestIJCVMethod: the two stages run as one: a continuous history of
// both, stage two's images image-sized and closer to the target than
// stage one's, progress counted over the whole run.
func TestIJCVMethod(t *testing.T) {
	x0 := smoothImage(3, 48, 48)
	m := IJCV{C: 20, Beta: 2, Jitter: 4, Iters: [2]int{80, 20}}
	var last Progress
	res, err := m.Reconstruct(context.Background(), behindFunc{3}, x0, Options{Seed: 2, Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.History) != 100 || res.History[99].Iter != 100 || last.Iter != 100 || last.Iters != 100 {
		t.Fatalf("history %d records (last iter %d), progress %d/%d", len(res.History), res.History[len(res.History)-1].Iter, last.Iter, last.Iters)
	}
	if !slices.Equal(res.Images.Shape, []int{1, 3, 48, 48}) || !(res.RelErr[0] < 0.2) {
		t.Fatalf("images %v, relative error %v", res.Images.Shape, res.RelErr)
	}
	if lr1, lr2 := res.History[0].LR, res.History[99].LR; math.Abs(lr2/lr1-0.1) > 1e-9 || math.Abs(lr1-48*48*IJCVLR) > 1e-6 {
		t.Errorf("rates %g then %g, want H·W·η then a tenth", lr1, lr2)
	}
	t.Logf("relative error %v, energy %g → %g", res.RelErr, res.History[0].Energy, res.History[99].Energy)
}

// TestMaximization: each image of the batch raises its own channel at the
// centre far above its value on a natural-looking image, and the Units
// loss equals minus the weighted unit.
func TestMaximization(t *testing.T) {
	x0 := smoothImage(3, 33, 33)
	before, err := Features(tinyNet(3), x0)
	if err != nil {
		t.Fatal(err)
	}
	m := Maximization{Units: Units{Channels: []int{2, 5}, Weights: []float64{1, 1}}, Beta: 2, Jitter: 1, Iters: 60}
	res, err := m.Run(context.Background(), behindFunc{3}, []int{3, 33, 33}, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	after, err := Features(tinyNet(3), res.Images)
	if err != nil {
		t.Fatal(err)
	}
	plane := 33 * 33
	centre := 16*33 + 16
	for n, c := range []int{2, 5} {
		b, a := before.Data[c*plane+centre], after.Data[n*8*plane+c*plane+centre]
		if !(a > 10*b+10) {
			t.Errorf("channel %d: %g on the smooth image, %g maximised", c, b, a)
		}
		t.Logf("channel %d: %g → %g", c, b, a)
	}
	if len(res.RelErr) != 0 {
		t.Errorf("relative errors %v without a target", res.RelErr)
	}
	x := randT(rand.New(rand.NewSource(4)), 2, 8, 3, 5)
	checkTerm(t, "units", Units{Channels: []int{1, 6}, Weights: []float64{2, 0.5}}, x, identity, func(v []float64) float64 {
		return -2*v[0*120+1*15+1*5+2] - 0.5*v[1*120+6*15+1*5+2]
	})
}

// TestCaricature: starting from the photo, the caricature raises the
// layer's agreement with the photo's own positive features, ⟨Φ(x), Φ0⁺⟩.
func TestCaricature(t *testing.T) {
	x0 := smoothImage(3, 40, 40)
	res, err := Caricature{Beta: 2, Jitter: 2, Iters: 150}.Reconstruct(context.Background(), behindFunc{3}, x0, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	phi0 := res.Target
	after, err := Features(tinyNet(3), res.Images)
	if err != nil {
		t.Fatal(err)
	}
	dot := func(a *graph.Tensor) float64 {
		s := 0.0
		for i, v := range a.Data {
			s += float64(v) * math.Max(float64(phi0.Data[i]), 0)
		}
		return s
	}
	if b, a := dot(phi0), dot(after); !(a > 1.3*b) {
		t.Errorf("⟨Φ, Φ0⁺⟩ from %g to %g", b, a)
	} else {
		t.Logf("⟨Φ, Φ0⁺⟩ from %g to %g", b, a)
	}
}
