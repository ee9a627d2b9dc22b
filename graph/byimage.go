package graph

import (
	"runtime"

	"github.com/invrep/invrep/graph/parallel"
)

// ImageSplitter is implemented by kernels that treat the images of a batch
// (axis 0) independently: image n of the output, and of the gradient of a
// split input, depends only on image n of the inputs for which
// SplitsImages is true, and on the other inputs (weights) whole.
//
// A batch of such an op runs an image per core, each image's op on one
// core (the For inside runs serially there), instead of every image in
// turn split between the cores: one image's small products and
// transforms, split two ways, kept the cores waiting on each other
// (ResNet-50's step ran 1.7× faster on two cores than on one, not 2×),
// and each core's image stays in its own caches from op to op.
type ImageSplitter interface {
	SplitsImages(i int) bool
}

// byImage runs f over the images of a batch, a core's share at a time:
// ts are f's operands, split says which of them hold the batch (the others,
// weights, go whole to every image), dst is what f writes. It runs only
// where every split operand and dst hold the same number of images, at
// least as many as there are cores; images left over once every core has
// one (three images on two cores) run one after another, each split
// between the cores. It returns false where it ran nothing: the caller
// then runs f on the whole batch.
func byImage(ts []*Tensor, split []bool, dst *Tensor, f func(ts []*Tensor, dst *Tensor)) bool {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || len(dst.Shape) == 0 {
		return false
	}
	n := dst.Shape[0]
	if n < workers {
		return false
	}
	for i, t := range ts {
		if split[i] && (len(t.Shape) == 0 || t.Shape[0] != n) {
			return false
		}
	}
	one := func(img int) {
		views := make([]*Tensor, len(ts))
		for i, t := range ts {
			views[i] = t
			if split[i] {
				views[i] = imageOf(t, img)
			}
		}
		f(views, imageOf(dst, img))
	}
	full := n / workers * workers
	parallel.For(full, one)
	for img := full; img < n; img++ {
		one(img)
	}
	return true
}

// splits lists which of a kernel's inputs it splits by image; nil where it
// splits none.
func splits(k Kernel, inputs int) []bool {
	s, ok := k.(ImageSplitter)
	if !ok {
		return nil
	}
	split, any := make([]bool, inputs), false
	for i := range split {
		split[i] = s.SplitsImages(i)
		any = any || split[i]
	}
	if !any { // a concatenation along the batch axis
		return nil
	}
	return split
}

// imageOf is image n of a batch, sharing t's data.
func imageOf(t *Tensor, n int) *Tensor {
	per := len(t.Data) / t.Shape[0]
	shape := append([]int{1}, t.Shape[1:]...)
	return &Tensor{Shape: shape, Data: t.Data[n*per : (n+1)*per]}
}
