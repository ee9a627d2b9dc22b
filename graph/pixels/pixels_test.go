package pixels_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/graph/testenv"
)

// TestPreprocessingBitExact: the resize and normalisation reproduce the
// reference input tensors and grey images bit for bit.
func TestPreprocessingBitExact(t *testing.T) {
	refs := filepath.Join(testenv.Shared(t), "refs")
	pngs, _ := filepath.Glob(filepath.Join(refs, "*_rgb.png"))
	if len(pngs) == 0 {
		t.Fatal("no reference images")
	}
	for _, p := range pngs {
		key := filepath.Base(p[:len(p)-len("_rgb.png")])
		im, err := pixels.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		x, err := im.ModelTensor(224, 224, graph.ImageNet)
		if err != nil {
			t.Fatal(err)
		}
		want, err := npy.Load(filepath.Join(refs, key+"_input.npy"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x.Shape, want.Shape) {
			t.Fatalf("%s: shape %v, want %v", key, x.Shape, want.Shape)
		}
		for i := range x.Data {
			if x.Data[i] != want.Data[i] {
				t.Fatalf("%s: input[%d] = %v, reference %v", key, i, x.Data[i], want.Data[i])
			}
		}
		g := im.Gray()
		wantG, err := npy.Load(filepath.Join(refs, key+"_gray.npy"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range g.Data {
			if g.Data[i] != wantG.Data[i] {
				t.Fatalf("%s: gray[%d] = %v, reference %v", key, i, g.Data[i], wantG.Data[i])
			}
		}
	}
}

// TestRGBIsImage: an RGB round-trips through the standard library's image
// interface pixel for pixel.
func TestRGBIsImage(t *testing.T) {
	im := &pixels.RGB{W: 3, H: 2, Pix: make([]uint8, 18)}
	for i := range im.Pix {
		im.Pix[i] = uint8(13 * i)
	}
	var _ image.Image = im
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	back, err := pixels.Decode(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Pix, im.Pix) || back.W != 3 || back.H != 2 {
		t.Fatalf("round trip gave %dx%d %v, want %v", back.W, back.H, back.Pix, im.Pix)
	}
	if c := im.At(5, 0).(color.RGBA); c != (color.RGBA{}) {
		t.Errorf("outside the bounds: %v", c)
	}
}

// TestGrayPaper: MATLAB's rgb2gray weights, 128 subtracted, [1,1,H,W].
func TestGrayPaper(t *testing.T) {
	im := &pixels.RGB{W: 2, H: 1, Pix: []uint8{255, 255, 255, 10, 20, 30}}
	g := im.GrayPaper()
	want := []float32{float32(9999.0*255/10000) - 128, float32(float64(2989*10+5870*20+1140*30)/10000) - 128}
	if !slices.Equal(g.Shape, []int{1, 1, 1, 2}) || math.Abs(float64(g.Data[0]-want[0])) > 1e-4 || math.Abs(float64(g.Data[1]-want[1])) > 1e-4 {
		t.Fatalf("GrayPaper = %v %v, want [1 1 1 2] %v", g.Shape, g.Data, want)
	}
	if back, _ := pixels.FromPaper(g, 0, pixels.GrayMean); back.Pix[0] != 255 || back.Pix[4] != 18 {
		t.Errorf("back to pixels: %v", back.Pix)
	}
}

// TestResizedAndGrayModel: a uniform image stays uniform through Resized
// (8-bit, rounded) and GrayModelTensor gives (rgb2gray/255 − mean)/std.
func TestResizedAndGrayModel(t *testing.T) {
	im := &pixels.RGB{W: 5, H: 3, Pix: make([]uint8, 45)}
	for i := range im.Pix {
		im.Pix[i] = 100
	}
	r := im.Resized(4, 2)
	if r.W != 4 || r.H != 2 || len(r.Pix) != 24 || r.Pix[0] != 100 || r.Pix[23] != 100 {
		t.Fatalf("Resized: %dx%d %v", r.W, r.H, r.Pix)
	}
	g, err := im.GrayModelTensor(4, 2, graph.Normalization{Mean: []float64{0.1307}, Std: []float64{0.3081}})
	if err != nil {
		t.Fatal(err)
	}
	want := (0.9999*100/255 - 0.1307) / 0.3081
	if !slices.Equal(g.Shape, []int{1, 1, 2, 4}) || math.Abs(float64(g.Data[7])-want) > 1e-5 {
		t.Fatalf("GrayModelTensor %v %v, want %g", g.Shape, g.Data, want)
	}
	if _, err := im.GrayModelTensor(4, 2, graph.Normalization{Mean: []float64{0, 0, 0}, Std: []float64{1, 1, 1}}); err == nil {
		t.Error("three-channel normalisation accepted for a grey model")
	}
}
