package invert

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"

	"github.com/invrep/invrep/graph"
)

// Layered is a representation with several named outputs, built behind a
// front (onnxload.Truncated): feature visualisation reads the layers its
// objective names.
type Layered interface {
	BuildLayers(shape []int, front Front, layers []string) (*graph.Graph, map[string]*graph.Node, error)
}

// LayerTerm is a term of feature visualisation: a scalar of named layers'
// outputs (Channel, Neuron, Direction, Diversity). Its Build, for a single
// representation, reads the one layer it is given as phi.
type LayerTerm interface {
	Term
	// Layers are the layers it reads.
	Layers() []string
	// BuildLayers builds it from those layers' nodes (and the image x).
	BuildLayers(x *graph.Node, layers map[string]*graph.Node) (*graph.Node, error)
}

// Parameterization is how the optimised parameters make the images:
// pixels through a sigmoid, a decorrelated colour space, a spectrum.
type Parameterization interface {
	// Shape is the parameters' shape for images [N,C,H,W].
	Shape(images []int) []int
	// Build makes the images (paper units) from the parameters' node.
	Build(p *graph.Node, images []int) (*graph.Node, error)
	// Init is a random start for parameters of the given shape.
	Init(shape []int, rng *rand.Rand) *graph.Tensor
}

// VisualizeOptions configure Visualize; Objective, ImageShape and
// Schedule are required.
type VisualizeOptions struct {
	Options
	// Param makes the images from the parameters (default PixelParam).
	Param Parameterization
	// ModelShape is the [C,H,W] the transformations hand the model
	// (default: the images' own).
	ModelShape []int
}

// Visualize optimises a batch of Repeats images of ImageShape to minimise
// the objective, whose LayerTerms read rep's named layers and whose other
// terms (priors) read the images. Each step the parameters make the
// images (Param), Transform changes them (drawn anew: pad, jitter, scale,
// rotation) and the model reads the result. Result.Images are the images
// the final parameters make, in paper units.
func Visualize(ctx context.Context, rep Layered, opts VisualizeOptions) (*Result, error) {
	if len(opts.ImageShape) != 3 {
		return nil, fmt.Errorf("ImageShape must be [C,H,W], got %v", opts.ImageShape)
	}
	if opts.Objective == nil || opts.Schedule == nil {
		return nil, errors.New("visualisation needs an objective and a schedule")
	}
	if opts.Param == nil {
		opts.Param = PixelParam{}
	}
	n := max(opts.Repeats, 1)
	images := append([]int{n}, opts.ImageShape...)
	var layers []string
	for _, t := range opts.Objective {
		if lt, ok := t.Term.(LayerTerm); ok {
			for _, l := range lt.Layers() {
				if !slices.Contains(layers, l) {
					layers = append(layers, l)
				}
			}
		}
	}
	if len(layers) == 0 {
		return nil, errors.New("the objective reads no layer")
	}
	r := &inversion{sched: opts.Schedule, obj: opts.Objective, opt: opts.Optimizer, transform: opts.Transform}
	if r.opt == nil {
		r.opt = NewAdam(0.9, 0.999)
	}
	params := opts.Param.Shape(images)
	var img *graph.Node
	front := func(p *graph.Node) (*graph.Node, error) {
		var err error
		if img, err = opts.Param.Build(p, images); err != nil {
			return nil, err
		}
		if r.transform == nil {
			return img, nil
		}
		return r.transform.Build(img, images)
	}
	if r.transform != nil {
		r.transform.Fix()
	}
	g, nodes, err := rep.BuildLayers(params, front, layers)
	if err != nil {
		return nil, err
	}
	terms := make([]*graph.Node, len(opts.Objective))
	ws := make([]float64, len(opts.Objective))
	for i, t := range opts.Objective {
		var err error
		if lt, ok := t.Term.(LayerTerm); ok {
			terms[i], err = lt.BuildLayers(img, nodes)
		} else {
			terms[i], err = t.Term.Build(img, nil)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Term.Name(), err)
		}
		ws[i] = t.W
	}
	energy, err := graph.Apply(weightedSum{ws}, terms...)
	if err != nil {
		return nil, err
	}
	if r.prog, err = g.Compile(energy, append(terms, img)...); err != nil {
		return nil, err
	}
	defer r.prog.Close()
	r.terms, r.imageOut = len(terms), len(terms)
	r.res = &Result{Objective: r.obj}
	for _, t := range r.obj {
		r.res.TermNames = append(r.res.TermNames, t.Term.Name())
	}
	if opts.Profile {
		r.prog.EnableProfile()
	}
	r.img = opts.Init
	if r.img == nil {
		r.img = opts.Param.Init(params, rand.New(rand.NewSource(opts.Seed)))
	} else if !slices.Equal(r.img.Shape, params) {
		return nil, fmt.Errorf("initial parameters %v, want %v", r.img.Shape, params)
	}
	r.grad = graph.NewTensor(params...)
	return r.loop(ctx, opts.Options)
}
