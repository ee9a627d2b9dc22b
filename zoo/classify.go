package zoo

import (
	"fmt"
	"slices"
	"sync"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/invert"
)

// Classifier gives the top-1 class of images [1,C,H,W] in paper units:
// a representation that ends in class scores (a model's output), built and
// compiled once for that shape and shared by a sweep's workers.
type Classifier struct {
	mu    sync.Mutex
	prog  *graph.Program
	shape []int
}

// NewClassifier builds rep for images of the given shape [1,C,H,W]; its
// output must be a vector of scores per image ([1,K] or [1,K,1,1]).
func NewClassifier(rep invert.Representation, shape []int) (*Classifier, error) {
	g, scores, err := rep.Build(shape)
	if err != nil {
		return nil, err
	}
	s := scores.Shape()
	if len(s) < 2 || graph.Numel(s[1:]) != s[1] || s[1] < 2 {
		return nil, fmt.Errorf("the model's output %v is not a vector of class scores", s)
	}
	p, err := g.Compile(nil, scores)
	if err != nil {
		return nil, err
	}
	return &Classifier{prog: p, shape: slices.Clone(shape)}, nil
}

// Top1 is the index of the highest score for one image (the first image
// of a batch).
func (c *Classifier) Top1(x *graph.Tensor) (int, error) {
	one := x
	if x.Shape[0] != 1 {
		one = &graph.Tensor{Shape: append([]int{1}, x.Shape[1:]...), Data: x.Data[:len(x.Data)/x.Shape[0]]}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.prog.Run(one); err != nil {
		return 0, err
	}
	s, err := c.prog.Output(0)
	if err != nil {
		return 0, err
	}
	best := 0
	for i, v := range s.Data {
		if v > s.Data[best] {
			best = i
		}
	}
	return best, nil
}
