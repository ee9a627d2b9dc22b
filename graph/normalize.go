package graph

import "fmt"

// Normalization is how a model expects its input, given RGB values v in
// 0..1: (v − Mean_c)/Std_c, channels in RGB order unless BGR is set.
//
// invrep's image variable is always in the paper's pixel units, 255·(v −
// Mean_c) (0..255 RGB with the per-channel mean removed), so regularisers and
// their constants never depend on the model. The model's own scaling is then
// the first node of its graph: x_model = x / (255·Std_c).
type Normalization struct {
	Mean []float64
	Std  []float64
	BGR  bool
}

// ImageNet is the usual torchvision normalisation.
var ImageNet = Normalization{Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}}

// Validate checks the normalisation against a channel count.
func (n Normalization) Validate(channels int) error {
	if len(n.Mean) != channels || len(n.Std) != channels {
		return fmt.Errorf("normalisation has %d means and %d stds, the input has %d channels", len(n.Mean), len(n.Std), channels)
	}
	for _, s := range n.Std {
		if !(s > 0) {
			return fmt.Errorf("normalisation std %g must be positive", s)
		}
	}
	return nil
}

// ModelInput returns the node that maps paper units x to the model's input.
func (n Normalization) ModelInput(x *Node) (*Node, error) {
	if len(x.shape) < 2 {
		return nil, fmt.Errorf("input shape %v has no channel axis", x.shape)
	}
	c := x.shape[1]
	if err := n.Validate(c); err != nil {
		return nil, err
	}
	scale, shift := make([]float32, c), make([]float32, c)
	for i := range scale {
		scale[i] = float32(1 / (255 * n.Std[i]))
	}
	if !n.BGR {
		return ChannelAffine(x, scale, shift)
	}
	// The image variable stays RGB; a BGR model gets its channels reversed.
	from := make([]int, c)
	rs, rb := make([]float32, c), make([]float32, c)
	for i := range from {
		from[i] = c - 1 - i
		rs[i], rb[i] = scale[c-1-i], shift[c-1-i]
	}
	return ReorderedChannelAffine(x, from, rs, rb)
}
