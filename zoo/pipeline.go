package zoo

import (
	"context"
	"image"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/onnxload"
)

// Both kinds of representation can be jittered (invert.Transform).
var (
	_ invert.Behind = onnxload.Truncated{}
	_ invert.Behind = handcrafted.Rep{}
)

// Input says how a photo becomes a representation's input, in the paper's
// units (0..255, mean removed).
type Input struct {
	// Gray is the handcrafted representations' input: grey, at the photo's
	// own resolution, 255·gray − 128 (SPEC §3.4).
	Gray bool
	// W, H and Norm are a model's input size and normalisation (RGB).
	W, H int
	Norm graph.Normalization
}

// Tensor is the photo as the representation's input [1,C,H,W].
func (in Input) Tensor(im *pixels.RGB) (*graph.Tensor, error) {
	if in.Gray {
		return im.GrayPaper(), nil
	}
	return im.PaperTensor(in.W, in.H, in.Norm)
}

// Mean is what is added back to paper units to show an image.
func (in Input) Mean() []float64 {
	if in.Gray {
		return pixels.GrayMean
	}
	return in.Norm.Mean
}

// Job is one reconstruction from a photo: load → target → invert → images,
// the pipeline every command and experiment runs. The representation is
// built once (invert.Reconstruct measures the target with the program it
// optimises).
type Job struct {
	Rep     invert.Representation
	Photo   *pixels.RGB
	Input   Input
	Options invert.Options
	// Method is the CVPR paper's (nil) or another (invert.IJCV).
	Method invert.Method
}

// Outcome is a job's result: the inversion's, with the original it was
// measured from.
type Outcome struct {
	*invert.Result
	// Original is the photo as the representation saw it, [1,C,H,W] in
	// paper units.
	Original *graph.Tensor
	// Mean is added back to show images (pixels.FromPaper).
	Mean []float64
}

// Run runs the job. Like invert.Invert, a cancelled or divergent run
// returns what it has with the error.
func (j Job) Run(ctx context.Context) (*Outcome, error) {
	x0, err := j.Input.Tensor(j.Photo)
	if err != nil {
		return nil, err
	}
	method := j.Method
	if method == nil {
		method = invert.CVPR{}
	}
	res, err := method.Reconstruct(ctx, j.Rep, x0, j.Options)
	if res == nil {
		return nil, err
	}
	return &Outcome{Result: res, Original: x0, Mean: j.Input.Mean()}, err
}

// SquaredError is ‖Φ(x*) − Φ(x0)‖² of the first reconstruction of a run
// without a mask: the numerator of the paper's normalised error (SPEC §5.1).
func (o *Outcome) SquaredError() float64 {
	return o.RelErr[0] * o.Target.SquaredNorm()
}

// Tiles are the reconstructions as pixels, the original first when asked.
func (o *Outcome) Tiles(withOriginal bool) ([]image.Image, error) {
	var tiles []image.Image
	if withOriginal {
		img, err := pixels.FromPaper(o.Original, 0, o.Mean)
		if err != nil {
			return nil, err
		}
		tiles = append(tiles, img)
	}
	for n := 0; n < o.Result.Images.Shape[0]; n++ {
		img, err := pixels.FromPaper(o.Result.Images, n, o.Mean)
		if err != nil {
			return nil, err
		}
		tiles = append(tiles, img)
	}
	return tiles, nil
}
