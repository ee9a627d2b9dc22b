package invert

import (
	"fmt"

	"github.com/invrep/invrep/graph"
)

// The feature loss and the reported errors take the features' first axis
// as the batch: image i's features are phi[i]. Some layers do not keep it
// there: sequence-first attention ([T, N, D], torchvision's ViT inside its
// encoder blocks), or a model that reshapes channels into the batch axis.
// Read as a batch, such a layer made one "image" per token or per fake
// batch entry, each compared with the first one, and one relative error
// each was reported.

// batchFirst returns phi with the batch of n images on its first axis:
// phi itself where it is, the whole layer as one image's features where n
// is 1, and an error otherwise, since which axis holds the images cannot
// be told from one build.
func batchFirst(phi *graph.Node, n int) (*graph.Node, error) {
	s := phi.Shape()
	if len(s) == 0 {
		return nil, fmt.Errorf("the representation's output is a scalar, not features")
	}
	if s[0] == n {
		return phi, nil
	}
	if n == 1 {
		return graph.Reshape(phi, []int{1, graph.Numel(s)})
	}
	return nil, fmt.Errorf("the layer has shape %v for a batch of %d images: its first axis is not the batch (the model moves it, as sequence-first attention or a reshape into the batch axis does), so the images cannot be told apart; invert one image at a time (--repeats 1)", s, n)
}
