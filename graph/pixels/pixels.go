// Package pixels is where images meet tensors: decoding and encoding
// files, resizing, the model's and the paper's units, and grey input.
package pixels

import (
	"errors"
	"fmt"
	"github.com/invrep/invrep/graph/regfile"
	"image"
	"image/color"
	_ "image/jpeg" // decoders for Load
	"image/png"
	"io"
	"math"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/atomicfile"
)

// RGB is an 8-bit RGB image, rows top to bottom, pixels interleaved.
type RGB struct {
	W, H int
	Pix  []uint8 // len 3·W·H
}

// ColorModel, Bounds and At make an RGB an image.Image, so it can be
// encoded, drawn or compared with the standard library directly.
func (im *RGB) ColorModel() color.Model { return color.RGBAModel }

func (im *RGB) Bounds() image.Rectangle { return image.Rect(0, 0, im.W, im.H) }

func (im *RGB) At(x, y int) color.Color {
	if x < 0 || y < 0 || x >= im.W || y >= im.H {
		return color.RGBA{}
	}
	p := im.Pix[3*(y*im.W+x):]
	return color.RGBA{p[0], p[1], p[2], 255}
}

// maxImagePixels bounds decoded images (an 8k × 8k photo): the decoder
// allocates the whole image from the header's size.
const maxImagePixels = 1 << 26

// Decode reads a PNG or JPEG. Alpha is dropped without compositing (as
// Pillow's convert("RGB") does) and grey images are replicated to RGB.
func Decode(r io.ReadSeeker) (*RGB, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return nil, fmt.Errorf("cannot decode image (PNG or JPEG expected): %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return nil, fmt.Errorf("image size %dx%d is not supported", cfg.Width, cfg.Height)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("cannot decode image: %w", err)
	}
	b := img.Bounds()
	out := &RGB{W: b.Dx(), H: b.Dy(), Pix: make([]uint8, 3*b.Dx()*b.Dy())}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var r, g, bl uint8
			switch im := img.(type) {
			case *image.NRGBA:
				p := im.Pix[im.PixOffset(x, y):]
				r, g, bl = p[0], p[1], p[2]
			case *image.Gray:
				r = im.GrayAt(x, y).Y
				g, bl = r, r
			default:
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				r, g, bl = c.R, c.G, c.B
			}
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = r, g, bl
			i += 3
		}
	}
	return out, nil
}

// Load reads a PNG or JPEG file.
func Load(path string) (*RGB, error) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	im, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return im, nil
}

// axisSamples returns, for each output index, the two source indices and
// the weight of the second: bilinear with half-pixel centres
// (align_corners = false), edges replicated, no antialiasing.
func axisSamples(nIn, nOut int) (i0, i1 []int, w []float64) {
	i0, i1, w = make([]int, nOut), make([]int, nOut), make([]float64, nOut)
	scale := float64(nIn) / float64(nOut)
	for i := range i0 {
		s := float64(float64(i)+0.5)*scale - 0.5
		s = math.Min(math.Max(s, 0), float64(nIn-1))
		a := int(math.Floor(s))
		i0[i], i1[i], w[i] = a, min(a+1, nIn-1), s-float64(a)
	}
	return
}

// Resize returns the image resampled to w×h as float64 RGB values in
// 0..255 (interleaved). The arithmetic follows ../shared/refs/README.md §A.1
// in this exact order, without fused multiply-adds, so the result is
// bit-exact with PyTorch's reference tensors.
func (im *RGB) Resize(w, h int) []float64 {
	y0, y1, wy := axisSamples(im.H, h)
	x0, x1, wx := axisSamples(im.W, w)
	out := make([]float64, 3*w*h)
	px := func(y, x, c int) float64 { return float64(im.Pix[3*(y*im.W+x)+c]) }
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			for c := 0; c < 3; c++ {
				r0 := float64((1-wx[j])*px(y0[i], x0[j], c)) + float64(wx[j]*px(y0[i], x1[j], c))
				r1 := float64((1-wx[j])*px(y1[i], x0[j], c)) + float64(wx[j]*px(y1[i], x1[j], c))
				out[3*(i*w+j)+c] = float64((1-wy[i])*r0) + float64(wy[i]*r1)
			}
		}
	}
	return out
}

// Resized is the image resampled to w×h as Resize does, rounded to 8 bits.
func (im *RGB) Resized(w, h int) *RGB {
	v := im.Resize(w, h)
	out := &RGB{W: w, H: h, Pix: make([]uint8, len(v))}
	for i, f := range v {
		out.Pix[i] = uint8(math.Round(f))
	}
	return out
}

// GrayModelTensor is ModelTensor for a one-channel model: the resized
// image's rgb2gray (MATLAB's weights), then (g/255 − mean)/std, [1,1,h,w].
func (im *RGB) GrayModelTensor(w, h int, n graph.Normalization) (*graph.Tensor, error) {
	if err := n.Validate(1); err != nil {
		return nil, err
	}
	v := im.Resize(w, h)
	t := graph.NewTensor(1, 1, h, w)
	for i := range t.Data {
		g := 0.2989*v[3*i] + 0.5870*v[3*i+1] + 0.1140*v[3*i+2]
		t.Data[i] = float32((g/255 - n.Mean[0]) / n.Std[0])
	}
	return t, nil
}

// ModelTensor resizes the image to w×h and normalises it as the model
// expects: a [1,3,h,w] tensor of (v/255 − mean)/std, rounded to float32 once.
func (im *RGB) ModelTensor(w, h int, n graph.Normalization) (*graph.Tensor, error) {
	return im.planes(w, h, n, func(c int) int {
		if n.BGR {
			return 2 - c
		}
		return c
	}, func(v float64, src int) float64 { return (v/255 - n.Mean[src]) / n.Std[src] })
}

// PaperTensor resizes the image to w×h in the paper's pixel units: a
// [1,3,h,w] RGB tensor of 255·(v/255 − mean_c).
func (im *RGB) PaperTensor(w, h int, n graph.Normalization) (*graph.Tensor, error) {
	return im.planes(w, h, n, func(c int) int { return c }, func(v float64, c int) float64 { return v - 255*n.Mean[c] })
}

// planes resizes the image to w×h and makes it a [1,3,h,w] tensor whose
// channel c holds f(v, from(c)) for the values v (0..255) of channel
// from(c), rounded to float32 once.
func (im *RGB) planes(w, h int, n graph.Normalization, from func(c int) int, f func(v float64, src int) float64) (*graph.Tensor, error) {
	if err := n.Validate(3); err != nil {
		return nil, err
	}
	v := im.Resize(w, h)
	t := graph.NewTensor(1, 3, h, w)
	for c := 0; c < 3; c++ {
		src := from(c)
		for i := 0; i < w*h; i++ {
			t.Data[c*w*h+i] = float32(f(v[3*i+src], src))
		}
	}
	return t, nil
}

// Gray returns MATLAB's rgb2gray of the image in 0..255, computed as
// VLFeat's references do: float32((2989 R + 5870 G + 1140 B) / 10000).
func (im *RGB) Gray() *graph.Tensor {
	t := graph.NewTensor(im.H, im.W)
	for i := range t.Data {
		p := im.Pix[3*i:]
		t.Data[i] = float32(float64(2989*int(p[0])+5870*int(p[1])+1140*int(p[2])) / 10000)
	}
	return t
}

// GrayMean is the mean of grey images in paper units, as FromPaper takes
// it: the authors subtract 128 of 255.
var GrayMean = []float64{128.0 / 255}

// GrayPaper is the shallow representations' input (SPEC §3.4): Gray in
// paper units, 255·gray − 128, as [1,1,H,W].
func (im *RGB) GrayPaper() *graph.Tensor {
	t := im.Gray()
	t.Shape = []int{1, 1, im.H, im.W}
	for i := range t.Data {
		t.Data[i] -= 128
	}
	return t
}

// FromPaper converts images [N,C,H,W] in paper units back to 8-bit
// RGB (mean added back, clipped to 0..255); one channel is shown as grey.
func FromPaper(t *graph.Tensor, n int, mean []float64) (*image.NRGBA, error) {
	if len(t.Shape) != 4 || n < 0 || n >= t.Shape[0] {
		return nil, fmt.Errorf("want image %d of an [N,C,H,W] tensor, have %v", n, t.Shape)
	}
	c, h, w := t.Shape[1], t.Shape[2], t.Shape[3]
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("cannot show %d channels as an image", c)
	}
	if len(mean) != c {
		return nil, fmt.Errorf("%d means for %d channels", len(mean), c)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var rgb [3]uint8
			for k := 0; k < 3; k++ {
				ch := k % c
				v := float64(t.Data[((n*c+ch)*h+y)*w+x]) + 255*mean[ch]
				rgb[k] = uint8(math.Round(math.Min(math.Max(v, 0), 255)))
			}
			img.SetNRGBA(x, y, color.NRGBA{rgb[0], rgb[1], rgb[2], 255})
		}
	}
	return img, nil
}

// SavePNG writes an image atomically.
func SavePNG(path string, img image.Image) error {
	if img == nil {
		return errors.New("no image")
	}
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}
