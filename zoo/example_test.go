package zoo_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/onnxload"
	"github.com/invrep/invrep/zoo"
)

// The whole pipeline the commands run, from an ONNX file and a photo to a
// PNG: load the model, cut it at a layer, reconstruct the photo from that
// layer's code, save the original beside the reconstructions. With a zoo
// model, zoo.Open("squeezenet1.1", "", -1) loads it from the models folder
// and its Entry brings the input size and normalisation.
func Example() {
	dir, err := os.MkdirTemp("", "invrep-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	modelPath, photoPath := writeExampleFiles(dir) // a small CNN and a photo

	ctx := context.Background()
	m, err := onnxload.Load(modelPath)
	if err != nil {
		log.Fatal(err)
	}
	norm := graph.ImageNet // the model's input normalisation
	rep := onnxload.Truncated{Model: m, Layer: "pool_out", Normalization: &norm}
	photo, err := pixels.Load(photoPath)
	if err != nil {
		log.Fatal(err)
	}
	job := zoo.Job{
		Rep:     rep,
		Photo:   photo,
		Input:   zoo.Input{W: 32, H: 32, Norm: norm}, // resized to the model's input
		Options: invert.Options{Iters: 200, TV: 0.5, Repeats: 2},
	}
	res, err := job.Run(ctx)
	if err != nil {
		log.Fatal(err)
	}
	tiles, err := res.Tiles(true) // the original, then each reconstruction
	if err != nil {
		log.Fatal(err)
	}
	out := filepath.Join(dir, "reconstruction.png")
	if err := pixels.SavePNG(out, pixels.Row(tiles, nil)); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(tiles), "tiles; relative feature error below 0.2:", res.RelErr[0] < 0.2, res.RelErr[1] < 0.2)
	// Output: 3 tiles; relative feature error below 0.2: true true
}

// writeExampleFiles writes a conv → relu → maxpool model (3→8 channels,
// 3×3, input 32×32) and a smooth 40×30 photo.
func writeExampleFiles(dir string) (model, photo string) {
	w := &onnxload.Tensor{Dims: []int64{8, 3, 3, 3}}
	for i := 0; i < 8*27; i++ {
		w.Float = append(w.Float, float32(math.Sin(float64(i)*0.7)))
	}
	m := &onnxload.Model{
		Opset:        13,
		Inputs:       []onnxload.ValueInfo{{Name: "data", Dims: []int64{1, 3, 32, 32}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Initializers: map[string]*onnxload.Tensor{"w": w},
		Nodes: []onnxload.Node{
			{Name: "conv", OpType: "Conv", Inputs: []string{"data", "w"}, Outputs: []string{"conv_out"}, Attrs: map[string]any{"pads": []int64{1, 1, 1, 1}}},
			{Name: "relu", OpType: "Relu", Inputs: []string{"conv_out"}, Outputs: []string{"relu_out"}},
			{Name: "pool", OpType: "MaxPool", Inputs: []string{"relu_out"}, Outputs: []string{"pool_out"}, Attrs: map[string]any{"kernel_shape": []int64{2, 2}, "strides": []int64{2, 2}}},
		},
		Outputs: []string{"pool_out"},
	}
	b, err := m.Encode()
	if err != nil {
		log.Fatal(err)
	}
	model = filepath.Join(dir, "tiny.onnx")
	if err := os.WriteFile(model, b, 0o644); err != nil {
		log.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(6 * x), uint8(8 * y), uint8(128 + 3*(x-y)), 255})
		}
	}
	photo = filepath.Join(dir, "photo.png")
	if err := pixels.SavePNG(photo, img); err != nil {
		log.Fatal(err)
	}
	return model, photo
}
