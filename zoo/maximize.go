package zoo

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/onnxload"
)

// MaximizeJob is the IJCV paper's neuron visualisation (SPEC §2.1): images
// that raise one channel each at the centre of a layer, from noise, under
// the IJCV energy. Its geometry follows the layer's receptive field ρ and
// stride s: an input of ρ + (reps−1)·s pixels, reps = round(1.1ρ/s) made
// odd, so that it holds the centre unit's field with a margin (a layer
// that sees the whole input, such as class scores, takes the model's
// input size); jitter J from s; the unit's weight (10000/ρ²)/M with M the
// channel's activation statistic.
type MaximizeJob struct {
	Rep      invert.Representation
	RF       onnxload.RF
	Input    Input // its W and H serve layers that see the whole input
	Channels []int
	// Maxima are the layer's per-channel statistics M (ChannelMaxima);
	// nil or non-positive entries count as 1.
	Maxima  []float64
	Beta    float64
	Iters   int
	Options invert.Options // seed, progress, profile
}

// Side is the input's side in pixels (see MaximizeJob).
func (j MaximizeJob) Side() int {
	if j.RF.Global {
		return max(j.Input.W, j.Input.H)
	}
	reps := int(math.Round(1.1 * float64(j.RF.Size) / float64(j.RF.Stride)))
	if reps%2 == 0 {
		reps++
	}
	return max(max(reps, 1)*j.RF.Stride, j.RF.Size)
}

// Run optimises one image per channel; Tiles shows them.
func (j MaximizeJob) Run(ctx context.Context) (*Outcome, error) {
	if len(j.Channels) == 0 {
		return nil, fmt.Errorf("no channels to visualise")
	}
	side := j.Side()
	rho := float64(j.RF.Size)
	if j.RF.Global {
		rho = float64(side)
	}
	u := invert.Units{Channels: j.Channels}
	for _, c := range j.Channels {
		m := 1.0
		if c >= 0 && c < len(j.Maxima) && j.Maxima[c] > 0 {
			m = j.Maxima[c]
		}
		u.Weights = append(u.Weights, 10000/(rho*rho)/m)
	}
	jitter := 1
	if !j.RF.Global || j.RF.Stride > 1 {
		jitter = invert.JitterFromStride(j.RF.Stride)
	}
	m := invert.Maximization{Units: u, Beta: j.Beta, Jitter: jitter, Iters: j.Iters}
	res, err := m.Run(ctx, j.Rep, []int{3, side, side}, j.Options)
	if res == nil {
		return nil, err
	}
	return &Outcome{Result: res, Mean: j.Input.Mean()}, err
}

// UnitValues measures each image's unit, Φ(x_n)[c_n at the centre], and
// its ratio to the channel's statistic M (how far above the photos' best
// the image drives it; 0 where M is unknown).
func (j MaximizeJob) UnitValues(o *Outcome) (values, ratios []float64, err error) {
	phi, err := invert.Features(j.Rep, o.Images)
	if err != nil {
		return nil, nil, err
	}
	s := phi.Shape
	per := len(phi.Data) / s[0]
	plane := per / s[1]
	centre := invert.Centre(s)
	for n, c := range j.Channels {
		v := float64(phi.Data[n*per+c*plane+centre])
		values = append(values, v)
		r := 0.0
		if c < len(j.Maxima) && j.Maxima[c] > 0 {
			r = v / j.Maxima[c]
		}
		ratios = append(ratios, r)
	}
	return values, ratios, nil
}

// Labelled shows an outcome's images with their labels, in a grid of cols
// (one row when cols ≤ 0).
func (o *Outcome) Labelled(labels []string, cols int) (image.Image, error) {
	tiles, err := o.Tiles(false)
	if err != nil {
		return nil, err
	}
	if cols <= 0 {
		return pixels.Row(tiles, labels), nil
	}
	return pixels.Grid(tiles, labels, cols), nil
}
