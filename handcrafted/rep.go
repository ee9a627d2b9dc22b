package handcrafted

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// Kind names a handcrafted representation.
type Kind string

// The representations of the paper's Table 1.
const (
	KindHOG   Kind = "hog"
	KindHOGb  Kind = "hogb"
	KindDSIFT Kind = "dsift"
)

// Rep is a handcrafted representation of grey images [N,1,H,W]: it builds
// its graph for any input shape, so it can be inverted.
type Rep struct {
	Kind  Kind
	HOG   HOGOptions
	DSIFT DSIFTOptions
}

// NewRep returns the paper's settings for kind: HOG and HOGb with 8-pixel
// cells, DSIFT with 5-pixel bins and descriptors every 3 bins.
func NewRep(kind string, cell int) (Rep, error) {
	switch Kind(kind) {
	case KindHOG:
		return Rep{Kind: KindHOG, HOG: HOGOptions{Cell: cell}}, nil
	case KindHOGb:
		return Rep{Kind: KindHOGb, HOG: HOGOptions{Cell: cell, Bilinear: true}}, nil
	case KindDSIFT:
		return Rep{Kind: KindDSIFT, DSIFT: DSIFTOptions{Bin: cell}}, nil
	}
	return Rep{}, fmt.Errorf("unknown representation %q (want hog, hogb or dsift)", kind)
}

// Build implements invert.Representation.
func (r Rep) Build(shape []int) (*graph.Graph, *graph.Node, error) {
	return r.BuildBehind(shape, nil)
}

// BuildBehind builds the representation of front(input), the graph's
// input shaped shape (a jitter canvas, say): it makes Rep an invert.Behind.
func (r Rep) BuildBehind(shape []int, front func(*graph.Node) (*graph.Node, error)) (*graph.Graph, *graph.Node, error) {
	g := graph.New()
	x, err := g.Input(string(r.Kind), shape...)
	if err != nil {
		return nil, nil, err
	}
	if front != nil {
		if x, err = front(x); err != nil {
			return nil, nil, err
		}
	}
	var y *graph.Node
	switch r.Kind {
	case KindHOG, KindHOGb:
		y, err = HOG(x, r.HOG)
	case KindDSIFT:
		y, err = DSIFT(x, r.DSIFT)
	default:
		err = fmt.Errorf("unknown representation %q", r.Kind)
	}
	return g, y, err
}
