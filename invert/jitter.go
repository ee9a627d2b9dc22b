package invert

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/invrep/invrep/graph"
)

// Jitter is the IJCV paper's jitter (SPEC §2.4): the image lives on a
// canvas J−1 pixels larger each way; every iteration Φ sees an H×W window
// at a random offset in 0..J−1 along each axis, and the gradient goes back
// to that window only. At rest the window is the centre, at offset
// ⌊(J−1)/2⌋, which is also the output.
type Jitter struct {
	J      int
	dy, dx int
}

// NewJitter returns a jitter of J ≥ 1 positions per axis (1: none).
func NewJitter(j int) *Jitter {
	t := &Jitter{J: max(j, 1)}
	t.Fix()
	return t
}

// jitterOn puts a jitter of j positions between the canvas and Φ in
// opts, none for j ≤ 1 (no canvas, no crop), and starts from start(the
// canvas shape for images shaped image) or place(images) as the code does.
func jitterOn(opts *Options, j int, image []int, start func(canvas []int) *graph.Tensor, images *graph.Tensor) {
	t := NewJitter(j)
	opts.Transform = nil
	if t.J > 1 {
		opts.Transform = t
	}
	switch {
	case images != nil && t.J > 1:
		opts.Init = t.Place(images)
	case images != nil:
		opts.Init = images
	default:
		opts.Init = start(t.Canvas(image))
	}
}

// JitterFromStride is the code's J = max(round(s/4), 1) for a node whose
// receptive fields are s pixels apart.
func JitterFromStride(stride int) int {
	return max(int(math.Round(float64(stride)/4)), 1)
}

// Canvas implements Transform.
func (t *Jitter) Canvas(image []int) []int {
	return []int{image[0], image[1], image[2] + t.J - 1, image[3] + t.J - 1}
}

// Build implements Transform.
func (t *Jitter) Build(x *graph.Node, image []int) (*graph.Node, error) {
	if len(image) != 4 {
		return nil, fmt.Errorf("jitter needs images [N,C,H,W], got %v", image)
	}
	return graph.Apply(crop{t: t, h: image[2], w: image[3]}, x)
}

// Draw implements Transform: an offset uniform in 0..J−1 on each axis.
func (t *Jitter) Draw(rng *rand.Rand) { t.dy, t.dx = rng.Intn(t.J), rng.Intn(t.J) }

// Fix implements Transform: the centre.
func (t *Jitter) Fix() { t.dy, t.dx = (t.J-1)/2, (t.J-1)/2 }

// Image implements Transform.
func (t *Jitter) Image(canvas *graph.Tensor) *graph.Tensor {
	s := canvas.Shape
	out := graph.NewTensor(s[0], s[1], s[2]-t.J+1, s[3]-t.J+1)
	o := (t.J - 1) / 2
	cropInto(out.Data, canvas.Data, s, out.Shape, o, o)
	return out
}

// Place implements Transform.
func (t *Jitter) Place(images *graph.Tensor) *graph.Tensor {
	c := graph.NewTensor(t.Canvas(images.Shape)...)
	o := (t.J - 1) / 2
	scatterInto(c.Data, images.Data, c.Shape, images.Shape, o, o)
	return c
}

// cropInto copies the window of canvas (shape cs) at (dy, dx) into dst
// (shape ws).
func cropInto(dst, canvas []float32, cs, ws []int, dy, dx int) {
	planes, h, w := ws[0]*ws[1], ws[2], ws[3]
	for p := 0; p < planes; p++ {
		for i := 0; i < h; i++ {
			src := canvas[(p*cs[2]+i+dy)*cs[3]+dx:]
			copy(dst[(p*h+i)*w:(p*h+i+1)*w], src[:w])
		}
	}
}

// scatterInto copies window (shape ws) into canvas (shape cs) at (dy, dx).
func scatterInto(canvas, window []float32, cs, ws []int, dy, dx int) {
	planes, h, w := ws[0]*ws[1], ws[2], ws[3]
	for p := 0; p < planes; p++ {
		for i := 0; i < h; i++ {
			copy(canvas[(p*cs[2]+i+dy)*cs[3]+dx:][:w], window[(p*h+i)*w:(p*h+i+1)*w])
		}
	}
}

// crop is the jitter's kernel: the window at the jitter's current offset.
type crop struct {
	t    *Jitter
	h, w int
}

func (k crop) String() string    { return fmt.Sprintf("Jitter(%d)", k.t.J) }
func (k crop) Diffable(int) bool { return true }

func (k crop) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][2] < k.h || in[0][3] < k.w {
		return nil, fmt.Errorf("jitter: want a canvas [N,C,≥%d,≥%d], got %v", k.h, k.w, in)
	}
	return []int{in[0][0], in[0][1], k.h, k.w}, nil
}

func (k crop) Forward(in []*graph.Tensor, out *graph.Tensor) {
	cropInto(out.Data, in[0].Data, in[0].Shape, out.Shape, k.t.dy, k.t.dx)
}

// Backward scatters the window's gradient into the (zeroed) canvas
// gradient: the offset is the one of the forward pass, as the loop draws
// offsets only between iterations.
func (k crop) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	scatterInto(gin.Data, gout.Data, in[0].Shape, gout.Shape, k.t.dy, k.t.dx)
}
