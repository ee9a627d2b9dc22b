package invert

import (
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/parallel"
)

// Augmentation is one random change of the images before the model,
// drawn anew every step (feature visualisation's robustness transforms).
type Augmentation interface {
	// Out is the shape it makes of images shaped in.
	Out(in []int) []int
	Build(x *graph.Node) (*graph.Node, error)
	Draw(rng *rand.Rand)
	// Fix sets its parameters at rest (no change but the shape's).
	Fix()
}

// Augmentations chain augmentations: a Transform whose canvas is the
// image itself.
type Augmentations []Augmentation

// Standard is Lucid's standard_transforms for images of h×w pixels: pad 12
// (the mean colour), jitter 8, a scale from 0.90 to 1.10 in steps of 0.02,
// a rotation from −10 to 10 degrees (0 five times more likely), jitter 4,
// then a random h×w crop, so that the model sees the images' size.
func Standard(h, w int) Augmentations {
	var scales, angles []float64
	for i := 0; i <= 10; i++ {
		scales = append(scales, 1+float64(i-5)/50)
	}
	for a := -10; a <= 10; a++ {
		angles = append(angles, float64(a))
	}
	angles = append(angles, 0, 0, 0, 0, 0)
	return Augmentations{Pad{N: 12}, NewShift(8), &Warp{Scales: scales, Angles: angles}, NewShift(4), NewCropTo(h, w)}
}

// Canvas implements Transform: the images themselves.
func (a Augmentations) Canvas(image []int) []int { return append([]int(nil), image...) }

// Build implements Transform.
func (a Augmentations) Build(x *graph.Node, _ []int) (*graph.Node, error) {
	for _, t := range a {
		var err error
		if x, err = t.Build(x); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// Draw implements Transform.
func (a Augmentations) Draw(rng *rand.Rand) {
	for _, t := range a {
		t.Draw(rng)
	}
}

// Fix implements Transform.
func (a Augmentations) Fix() {
	for _, t := range a {
		t.Fix()
	}
}

// Image implements Transform: the canvas is the images.
func (a Augmentations) Image(c *graph.Tensor) *graph.Tensor { return c }

// Place implements Transform.
func (a Augmentations) Place(images *graph.Tensor) *graph.Tensor { return images }

// Pad surrounds the images with N pixels of Value (paper units: 0 is the
// mean colour).
type Pad struct {
	N     int
	Value float32
}

// Out implements Augmentation.
func (p Pad) Out(in []int) []int { return []int{in[0], in[1], in[2] + 2*p.N, in[3] + 2*p.N} }

// Build implements Augmentation.
func (p Pad) Build(x *graph.Node) (*graph.Node, error) {
	return graph.Apply(padKernel{n: p.N, v: p.Value}, x)
}

// Draw implements Augmentation: padding is not random.
func (Pad) Draw(*rand.Rand) {}

// Fix implements Augmentation.
func (Pad) Fix() {}

type padKernel struct {
	n int
	v float32
}

func (k padKernel) String() string    { return fmt.Sprintf("Pad(%d)", k.n) }
func (k padKernel) Diffable(int) bool { return true }
func (k padKernel) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 {
		return nil, fmt.Errorf("want [N,C,H,W], got %v", in)
	}
	return Pad{N: k.n}.Out(in[0]), nil
}

func (k padKernel) Forward(in []*graph.Tensor, out *graph.Tensor) {
	for i := range out.Data {
		out.Data[i] = k.v
	}
	scatterInto(out.Data, in[0].Data, out.Shape, in[0].Shape, k.n, k.n)
}

func (k padKernel) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	cropInto(gin.Data, gout.Data, gout.Shape, gin.Shape, k.n, k.n)
}

// Shift is Lucid's jitter: a random window D pixels smaller each way, at
// an offset from 0 to D; at rest, the centre.
type Shift struct{ j *Jitter }

// NewShift returns a shift of up to d pixels.
func NewShift(d int) Shift { return Shift{NewJitter(d + 1)} }

// Out implements Augmentation.
func (s Shift) Out(in []int) []int {
	return []int{in[0], in[1], in[2] - s.j.J + 1, in[3] - s.j.J + 1}
}

// Build implements Augmentation.
func (s Shift) Build(x *graph.Node) (*graph.Node, error) {
	o := s.Out(x.Shape())
	return graph.Apply(crop{t: s.j, h: o[2], w: o[3]}, x)
}

// Draw implements Augmentation.
func (s Shift) Draw(rng *rand.Rand) { s.j.Draw(rng) }

// Fix implements Augmentation.
func (s Shift) Fix() { s.j.Fix() }

// CropTo takes a random h×w window of larger images (the model's input
// size); at rest, the centre.
type CropTo struct {
	H, W   int
	dy, dx *int
	spanY  *int
	spanX  *int
}

// NewCropTo returns a crop to h×w.
func NewCropTo(h, w int) CropTo {
	return CropTo{H: h, W: w, dy: new(int), dx: new(int), spanY: new(int), spanX: new(int)}
}

// Out implements Augmentation.
func (c CropTo) Out(in []int) []int { return []int{in[0], in[1], c.H, c.W} }

// Build implements Augmentation.
func (c CropTo) Build(x *graph.Node) (*graph.Node, error) {
	s := x.Shape()
	if len(s) != 4 || s[2] < c.H || s[3] < c.W {
		return nil, fmt.Errorf("crop to %d×%d: images %v are smaller", c.H, c.W, s)
	}
	*c.spanY, *c.spanX = s[2]-c.H, s[3]-c.W
	c.Fix()
	return graph.Apply(window{c: c}, x)
}

// Draw implements Augmentation.
func (c CropTo) Draw(rng *rand.Rand) { *c.dy, *c.dx = rng.Intn(*c.spanY+1), rng.Intn(*c.spanX+1) }

// Fix implements Augmentation.
func (c CropTo) Fix() { *c.dy, *c.dx = *c.spanY/2, *c.spanX/2 }

type window struct{ c CropTo }

func (k window) String() string    { return fmt.Sprintf("CropTo(%d×%d)", k.c.H, k.c.W) }
func (k window) Diffable(int) bool { return true }
func (k window) OutShape(in [][]int) ([]int, error) {
	return []int{in[0][0], in[0][1], k.c.H, k.c.W}, nil
}
func (k window) Forward(in []*graph.Tensor, out *graph.Tensor) {
	cropInto(out.Data, in[0].Data, in[0].Shape, out.Shape, *k.c.dy, *k.c.dx)
}
func (k window) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	scatterInto(gin.Data, gout.Data, in[0].Shape, gout.Shape, *k.c.dy, *k.c.dx)
}

// Warp scales and rotates the images about their centre by a scale and an
// angle (degrees) drawn from its lists, resampling bilinearly (outside the
// image: the mean colour, 0); at rest, neither.
type Warp struct {
	Scales, Angles []float64
	scale, angle   float64
	taps           []tap
	tapsFor        [4]float64 // scale, angle, h, w of taps
}

// Out implements Augmentation: the same size.
func (w *Warp) Out(in []int) []int { return append([]int(nil), in...) }

// Build implements Augmentation.
func (w *Warp) Build(x *graph.Node) (*graph.Node, error) {
	w.Fix()
	return graph.Apply(warpKernel{w}, x)
}

// Draw implements Augmentation.
func (w *Warp) Draw(rng *rand.Rand) {
	w.scale, w.angle = 1, 0
	if len(w.Scales) > 0 {
		w.scale = w.Scales[rng.Intn(len(w.Scales))]
	}
	if len(w.Angles) > 0 {
		w.angle = w.Angles[rng.Intn(len(w.Angles))]
	}
}

// Fix implements Augmentation.
func (w *Warp) Fix() { w.scale, w.angle = 1, 0 }

type warpKernel struct{ w *Warp }

func (k warpKernel) String() string    { return "Warp" }
func (k warpKernel) Diffable(int) bool { return true }
func (k warpKernel) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 {
		return nil, fmt.Errorf("want [N,C,H,W], got %v", in)
	}
	return append([]int(nil), in[0]...), nil
}

// tap is one output pixel's bilinear sample: four input pixels (−1: out
// of the image) and their weights.
type tap struct {
	i [4]int32
	w [4]float32
}

// taps are the samples of a plane h×w for the warp's scale and angle: the
// inverse rotation and scale about the centre. They are computed once per
// draw and serve every plane, forward and backward.
func (k warpKernel) taps(h, w int) []tap {
	ws := k.w
	if ws.taps != nil && ws.tapsFor == [4]float64{ws.scale, ws.angle, float64(h), float64(w)} {
		return ws.taps
	}
	s, a := ws.scale, ws.angle*math.Pi/180
	cos, sin := math.Cos(a)/s, math.Sin(a)/s
	cy, cx := float64(h-1)/2, float64(w-1)/2
	out := make([]tap, h*w)
	parallel.For(h, func(y int) {
		for x := 0; x < w; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			u, v := cx+cos*dx+sin*dy, cy-sin*dx+cos*dy
			x0, y0 := int(math.Floor(u)), int(math.Floor(v))
			fx, fy := u-float64(x0), v-float64(y0)
			t := &out[y*w+x]
			for k, c := range [4]struct {
				x, y int
				wt   float64
			}{{x0, y0, (1 - fx) * (1 - fy)}, {x0 + 1, y0, fx * (1 - fy)}, {x0, y0 + 1, (1 - fx) * fy}, {x0 + 1, y0 + 1, fx * fy}} {
				t.i[k] = -1
				if c.x >= 0 && c.x < w && c.y >= 0 && c.y < h {
					t.i[k], t.w[k] = int32(c.y*w+c.x), float32(c.wt)
				}
			}
		}
	})
	ws.taps, ws.tapsFor = out, [4]float64{ws.scale, ws.angle, float64(h), float64(w)}
	return out
}

func (k warpKernel) Forward(in []*graph.Tensor, out *graph.Tensor) {
	s := in[0].Shape
	hw := s[2] * s[3]
	if k.w.scale == 1 && k.w.angle == 0 {
		copy(out.Data, in[0].Data)
		return
	}
	taps := k.taps(s[2], s[3])
	planes := s[0] * s[1]
	parallel.For(planes*s[2], func(r int) {
		p, y := r/s[2], r%s[2]
		src, dst := in[0].Data[p*hw:(p+1)*hw], out.Data[p*hw+y*s[3]:p*hw+(y+1)*s[3]]
		for x, t := range taps[y*s[3] : (y+1)*s[3]] {
			v := float32(0)
			for k, i := range t.i {
				if i >= 0 {
					v += t.w[k] * src[i]
				}
			}
			dst[x] = v
		}
	})
}

// Backward scatters each output's gradient to its taps: planes run in
// parallel, a plane's rows in order (taps of neighbouring rows overlap).
func (k warpKernel) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	s := in[0].Shape
	hw := s[2] * s[3]
	if k.w.scale == 1 && k.w.angle == 0 {
		copy(gin.Data, gout.Data)
		return
	}
	taps := k.taps(s[2], s[3])
	parallel.For(s[0]*s[1], func(p int) {
		g, d := gout.Data[p*hw:(p+1)*hw], gin.Data[p*hw:(p+1)*hw]
		for o, t := range taps {
			for k, i := range t.i {
				if i >= 0 {
					d[i] += t.w[k] * g[o]
				}
			}
		}
	})
}

// maxScale bounds scale=A:B: a warp to ten times the image is already a
// canvas a hundred times its size.
const maxScale = 10

// Largest is the most values one image takes on its way through the
// augmentations from shape [N,C,H,W] (per batch, all images): what their
// canvases cost, to be charged against a memory limit before building.
func (a Augmentations) Largest(shape []int) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= int64(d)
	}
	most := n
	for _, t := range a {
		shape = t.Out(shape)
		n = 1
		for _, d := range shape {
			n *= int64(d)
		}
		most = max(most, n)
	}
	return most
}

// ParseAugmentations reads a list of augmentations for images of h×w
// pixels, comma-separated, in order: pad=N, jitter=N, scale (0.90–1.10),
// rotate (±10°), scale=A:B (from A to B in 11 steps), rotate=D (±D°); a
// crop back to h×w is appended where the list leaves them larger.
// "standard" is Standard(h, w), "none" nothing.
func ParseAugmentations(list string, h, w int) (Augmentations, error) {
	switch list {
	case "standard":
		return Standard(h, w), nil
	case "none", "":
		return nil, nil
	}
	std := Standard(h, w)
	stdWarp := std[2].(*Warp)
	var out Augmentations
	size := []int{1, 3, h, w}
	for _, item := range strings.Split(list, ",") {
		name, arg, hasArg := strings.Cut(strings.TrimSpace(item), "=")
		var a Augmentation
		switch name {
		case "pad", "jitter":
			// Bounded by the image so that a canvas of a huge pad is
			// refused here, not allocated: padding past the image's side
			// adds nothing, and a jitter must leave an image.
			limit, what := max(h, w), "the image's larger side"
			if name == "jitter" {
				limit, what = min(size[2], size[3])-1, "the image less one pixel"
			}
			n, err := strconv.Atoi(arg)
			if !hasArg || err != nil || n < 0 || n > limit {
				return nil, fmt.Errorf("%q: want %s=N pixels, 0 ≤ N ≤ %d (%s)", item, name, limit, what)
			}
			if name == "pad" {
				a = Pad{N: n}
			} else {
				a = NewShift(n)
			}
		case "scale":
			s := &Warp{Scales: stdWarp.Scales}
			if hasArg {
				lo, hi, ok := strings.Cut(arg, ":")
				l, err1 := strconv.ParseFloat(lo, 64)
				u, err2 := strconv.ParseFloat(hi, 64)
				if !ok || err1 != nil || err2 != nil || !(l > 0) || !(u >= l) || u > maxScale {
					return nil, fmt.Errorf("%q: want scale=A:B with 0 < A ≤ B ≤ %g", item, float64(maxScale))
				}
				s.Scales = nil
				for i := 0; i <= 10; i++ {
					s.Scales = append(s.Scales, l+(u-l)*float64(i)/10)
				}
			}
			a = s
		case "rotate":
			r := &Warp{Angles: stdWarp.Angles}
			if hasArg {
				d, err := strconv.Atoi(arg)
				if err != nil || d < 0 || d > 180 {
					return nil, fmt.Errorf("%q: want rotate=D degrees, 0 ≤ D ≤ 180", item)
				}
				r.Angles = nil
				for x := -d; x <= d; x++ {
					r.Angles = append(r.Angles, float64(x))
				}
			}
			a = r
		default:
			return nil, fmt.Errorf("%q: want pad=N, jitter=N, scale[=A:B] or rotate[=D]", item)
		}
		size = a.Out(size)
		if size[2] <= 0 || size[3] <= 0 {
			return nil, fmt.Errorf("%q leaves no image (%d×%d)", item, size[3], size[2])
		}
		out = append(out, a)
	}
	if size[2] < h || size[3] < w {
		return nil, fmt.Errorf("the list leaves %d×%d images, smaller than the model's %d×%d: pad more", size[3], size[2], w, h)
	}
	if size[2] > h || size[3] > w {
		out = append(out, NewCropTo(h, w))
	}
	return out, nil
}
