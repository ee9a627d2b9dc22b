package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/onnxload"
)

func runFeatures(args []string, out io.Writer) error {
	fs := newFlags("features", "--model M.onnx --layer NAME (--image IMG | --input X.npy) --out F.npy [--size 224] [--mean 0.485,0.456,0.406] [--std 0.229,0.224,0.225]\n       invrep features --rep hog|hogb|dsift [--image IMG] --out F.npy|F.png [--cell 8]", out)
	mf := addModelFlags(fs, true)
	repName := fs.String("rep", "", "a handcrafted representation instead of a model: hog, hogb or dsift")
	cell := fs.Int("cell", 0, "HOG cell size or DSIFT bin size in pixels (default 8 for HOG, 5 for DSIFT)")
	layer := fs.String("layer", "", "name of the node output to write")
	imagePath := fs.String("image", "", "PNG or JPEG image, resized (bilinear) and normalised")
	inputPath := fs.String("input", "", "preprocessed NCHW float32 .npy tensor, fed as is")
	outPath := fs.String("out", "", "output .npy file (float32)")
	size := fs.String("size", "", "resize --image to N×N or WxH (default: the model's input size)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *repName != "" {
		if fs.Changed("model") || fs.Changed("layer") || fs.Changed("input") {
			return usagef("--rep computes %s from --image; it takes no --model, --layer or --input", *repName)
		}
		if err := required(fs, "out"); err != nil {
			return err
		}
		rep, err := handcraftedRep(*repName, *cell)
		if err != nil {
			return err
		}
		return writeShallowFeatures(out, rep, *imagePath, *outPath)
	}
	if err := required(fs, "model", "layer", "out"); err != nil {
		return err
	}
	if (*imagePath == "") == (*inputPath == "") {
		return usagef("give exactly one of --image and --input")
	}
	if !strings.HasSuffix(strings.ToLower(*outPath), ".npy") {
		return usagef("--out %q: want a .npy file", *outPath)
	}
	if err := distinctOutputs([][2]string{{"out", *outPath}}, [][2]string{{"input", *inputPath}, {"image", *imagePath}, {"model", mf.model}}); err != nil {
		return err
	}
	mf.writes = [][2]string{{"out", *outPath}}
	m, err := mf.open()
	if err != nil {
		return err
	}
	norm, err := mf.normalization()
	if err != nil {
		return err
	}
	if *layer, err = mf.resolveLayer(m, *layer); err != nil {
		return err
	}
	if *imagePath != "" {
		if err := mf.imageLayout(m); err != nil {
			return err
		}
	}
	declared, err := m.InputShape()
	if err != nil && *inputPath == "" && !fs.Changed("size") {
		return err
	}
	var x *graph.Tensor
	var net *onnxload.Net
	if *inputPath != "" {
		if x, err = npy.Load(*inputPath); err != nil {
			return fmt.Errorf("--input: %w", err)
		}
		if len(declared) > 0 && (len(x.Shape) != len(declared) || (len(x.Shape) > 1 && x.Shape[1] != declared[1])) {
			return fmt.Errorf("--input %s: shape %v does not fit the model's input %v", *inputPath, x.Shape, m.Inputs[0])
		}
	} else {
		if len(declared) != 4 {
			return fmt.Errorf("model %s: input %v is not an image [N,C,H,W]; use --input", mf.model, m.Inputs[0])
		}
		w, h := declared[3], declared[2]
		if *size != "" {
			if w, h, err = parseSize(*size); err != nil {
				return err
			}
		}
		// The model is built (and checked against --max-memory) for the
		// asked size before any pixel is decoded or resized.
		if net, err = mf.build(m, []int{1, declared[1], h, w}, []string{*layer}, nil); err != nil {
			return err
		}
		if x, err = imageInput(*imagePath, declared[1], w, h, norm); err != nil {
			return err
		}
	}
	if net == nil {
		if net, err = mf.build(m, x.Shape, []string{*layer}, nil); err != nil {
			return err
		}
	}
	y, err := net.Graph.Evaluate(net.Outputs[*layer], x)
	if err != nil {
		return err
	}
	if err := npy.Save(*outPath, y); err != nil {
		return fmt.Errorf("writing %s: %w", *outPath, err)
	}
	fmt.Fprintf(out, "%s %s -> %s\n", *layer, graph.ShapeString(y.Shape), *outPath)
	return nil
}

// handcraftedRep reads --rep and --cell.
func handcraftedRep(name string, cell int) (handcrafted.Rep, error) {
	if cell < 0 || cell == 1 {
		return handcrafted.Rep{}, usagef("--cell %d: want a cell size of at least 2 pixels", cell)
	}
	rep, err := handcrafted.NewRep(name, cell)
	if err != nil {
		return rep, usagef("--rep: %v", err)
	}
	return rep, nil
}

func normalizationFlags(mean, std string) (graph.Normalization, error) {
	mv, err := parseFloats("mean", mean)
	if err != nil {
		return graph.Normalization{}, err
	}
	sv, err := parseFloats("std", std)
	if err != nil {
		return graph.Normalization{}, err
	}
	n := graph.Normalization{Mean: mv, Std: sv}
	if len(mv) != len(sv) {
		return n, usagef("--mean has %d values, --std %d", len(mv), len(sv))
	}
	for _, s := range sv {
		if !(s > 0) {
			return n, usagef("--std %q: every value must be positive", std)
		}
	}
	return n, nil
}

// imageInput decodes an image into the model's input units, [1,C,h,w]; a
// one-channel model gets the image's luminance.
func imageInput(path string, channels, w, h int, norm graph.Normalization) (*graph.Tensor, error) {
	im, err := pixels.Load(path)
	if err != nil {
		return nil, err
	}
	if len(norm.Mean) != channels {
		return nil, usagef("--mean/--std have %d values, the model's input has %d channels", len(norm.Mean), channels)
	}
	switch channels {
	case 3:
		return im.ModelTensor(w, h, norm)
	case 1:
		return im.GrayModelTensor(w, h, norm)
	}
	return nil, fmt.Errorf("model input has %d channels; images give 1 or 3", channels)
}

func writeShallowFeatures(out io.Writer, rep handcrafted.Rep, imagePath, outPath string) error {
	im, name, err := loadPhoto(imagePath)
	if err != nil {
		return err
	}
	x := im.GrayPaper()
	phi, err := invert.Features(rep, x)
	if err != nil {
		return err
	}
	t := rep.VLFeatLayout(phi)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if strings.HasSuffix(strings.ToLower(outPath), ".png") {
		if rep.Kind == handcrafted.KindDSIFT {
			return usagef("--out %s: PNG drawings are available for HOG and HOGb; write DSIFT to a .npy", outPath)
		}
		if err := pixels.SavePNG(outPath, handcrafted.Glyphs(phi, rep.HOG.Channels()/3)); err != nil {
			return fmt.Errorf("writing %s: %w", outPath, err)
		}
	} else if err := npy.Save(outPath, t); err != nil {
		return fmt.Errorf("writing %s: %w", outPath, err)
	}
	fmt.Fprintf(out, "%s of %s: %s -> %s\n", rep.Kind, name, graph.ShapeString(t.Shape), outPath)
	return nil
}
