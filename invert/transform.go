package invert

import (
	"math/rand"

	"github.com/invrep/invrep/graph"
)

// Transform stands between the optimised variable, a canvas, and the
// representation: the node Φ reads is a function of the canvas whose
// parameters are drawn anew every iteration (the IJCV jitter; random
// scales and rotations would be others). Priors act on the whole canvas.
type Transform interface {
	// Canvas is the shape of the optimised variable for images [N,C,H,W].
	Canvas(image []int) []int
	// Build returns the node Φ reads, from the canvas node x, shaped as
	// image.
	Build(x *graph.Node, image []int) (*graph.Node, error)
	// Draw picks the parameters of the next iteration.
	Draw(rng *rand.Rand)
	// Fix sets the parameters at rest (no jitter: the centre), used to
	// measure the target and the final images.
	Fix()
	// Image cuts images [N,C,H,W] out of a canvas at rest.
	Image(canvas *graph.Tensor) *graph.Tensor
	// Place writes images into a zero canvas where Image reads them.
	Place(images *graph.Tensor) *graph.Tensor
}

// Front is what a Transform puts in front of a representation (an alias,
// so that packages below invert implement Behind without importing it).
type Front = func(x *graph.Node) (*graph.Node, error)

// Behind is a Representation that can be built behind a front: its graph's
// input has the given shape (the canvas) and the representation reads
// front(input). Truncated ONNX models and the handcrafted representations
// are; a Transform needs one.
type Behind interface {
	Representation
	BuildBehind(shape []int, front Front) (*graph.Graph, *graph.Node, error)
}
