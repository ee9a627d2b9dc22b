package graph

import (
	"math/rand"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// probe doubles its input and records the batch sizes it was run on.
type probe struct {
	mu   *sync.Mutex
	seen *[]int
}

func (p probe) String() string                     { return "probe" }
func (p probe) OutShape(in [][]int) ([]int, error) { return in[0], nil }
func (p probe) Diffable(int) bool                  { return true }
func (p probe) SplitsImages(int) bool              { return true }
func (p probe) record(n int) {
	p.mu.Lock()
	*p.seen = append(*p.seen, n)
	p.mu.Unlock()
}
func (p probe) Forward(in []*Tensor, out *Tensor) {
	p.record(in[0].Shape[0])
	for i, v := range in[0].Data {
		out.Data[i] = 2 * v
	}
}
func (p probe) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	p.record(-gout.Shape[0])
	for i, v := range gout.Data {
		gin.Data[i] = 2 * v
	}
}

// TestByImageSplits: an ImageSplitter's batch runs an image at a time,
// forward and back, where there are as many images as cores (the images
// past a whole share one at a time too), and whole on one core.
func TestByImageSplits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct {
		procs, n int
		want     []int // forward's batch sizes, then the gradient's (negated)
	}{
		{2, 3, []int{1, 1, 1, -1, -1, -1}},
		{2, 4, []int{1, 1, 1, 1, -1, -1, -1, -1}},
		{2, 1, []int{1, -1}},
		{1, 3, []int{3, -3}},
		{4, 3, []int{3, -3}},
	} {
		runtime.GOMAXPROCS(c.procs)
		var seen []int
		k := probe{&sync.Mutex{}, &seen}
		g := New()
		x, _ := g.Input("x", c.n, 2, 3)
		y, err := Apply(k, x)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewSource(1))
		loss, _ := Dot(y, randTensor(rng, y.shape...))
		p, err := g.Compile(loss, y)
		if err != nil {
			t.Fatal(err)
		}
		in := randTensor(rng, c.n, 2, 3)
		if err := p.Run(in); err != nil {
			t.Fatal(err)
		}
		out, _ := p.Output(0)
		for i, v := range in.Data {
			if out.Data[i] != 2*v {
				t.Fatalf("procs %d, %d images: output[%d] = %g, want %g", c.procs, c.n, i, out.Data[i], 2*v)
			}
		}
		if !slices.Equal(seen, c.want) {
			t.Errorf("procs %d, %d images: ran on batches %v, want %v", c.procs, c.n, seen, c.want)
		}
	}
}

// TestConvByImage: convolutions of a batch split by image (two cores)
// equal the reference, and their input gradient equals the batch's run
// whole (one core), on each path: Winograd, pointwise, strided im2col.
func TestConvByImage(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewSource(3))
	for _, c := range []struct {
		name string
		x, w []int
		p    ConvParams
	}{
		{"winograd", []int{3, 32, 6, 7}, []int{32, 32, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}},
		{"pointwise", []int{4, 8, 5, 5}, []int{12, 8, 1, 1}, ConvParams{}},
		{"strided", []int{3, 6, 9, 9}, []int{8, 6, 3, 3}, ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}},
	} {
		w, b := randTensor(rng, c.w...), randTensor(rng, c.w[0])
		x := randTensor(rng, c.x...)
		var r *Tensor
		var outs, grads [2]*Tensor
		for i, procs := range []int{2, 1} {
			runtime.GOMAXPROCS(procs)
			g := New()
			in, _ := g.Input("x", c.x...)
			y, err := ConvRelu(in, g.Const(w), g.Const(b), c.p)
			if err != nil {
				t.Fatal(err)
			}
			if r == nil {
				r = randTensor(rng, y.shape...)
			}
			loss, _ := Dot(y, r)
			p, err := g.Compile(loss, y)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(x); err != nil {
				t.Fatal(err)
			}
			outs[i], _ = p.Output(0)
			grads[i], _ = p.InputGrad()
		}
		x64 := make([]float64, len(x.Data))
		for i, v := range x.Data {
			x64[i] = float64(v)
		}
		ref := naiveConv(x64, c.x, w, b, c.p)
		want := make([]float32, len(ref))
		for i, v := range ref {
			want[i] = float32(max(v, 0))
		}
		closeTo(t, c.name+", by image", outs[0].Data, want)
		closeTo(t, c.name+", gradient by image against whole", grads[0].Data, grads[1].Data)
	}
}
