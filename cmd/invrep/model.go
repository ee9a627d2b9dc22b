package main

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/onnxload"
	"github.com/invrep/invrep/zoo"
	"github.com/spf13/pflag"
)

// modelFlags are the flags of every command that takes a model.
type modelFlags struct {
	model, dir string
	// models are the --model values of a command that takes several.
	models      []string
	maxMemory   string
	randomSeed  int64
	mean, std   string
	fs          *pflag.FlagSet
	resolved    *zoo.Resolved
	defaultNorm graph.Normalization
	// structure opens models for their graph alone ('layers'): constant
	// weights are then shown, not refused.
	structure bool
	// dequantize builds a quantised model's float twin.
	dequantize bool
	// layout is --layout: how the model's image input is laid out
	// (empty: inferred).
	layout string
	// feeds are --feed NAME=FILE.npy: values of inputs other than the image.
	feeds []string
	// writes are the files the command will write (flag, path): the
	// model's side files and the --feed files must not be among them.
	writes [][2]string
}

// variant says what, besides the file, changes the model's values: a
// cache keyed on the file alone would mix seeds or the float twin.
func (f *modelFlags) variant() string {
	return fmt.Sprintf("random-weights %d, dequantize %v", f.randomSeed, f.dequantize)
}

func addModelFlags(fs *pflag.FlagSet, withNorm bool) *modelFlags {
	f := &modelFlags{fs: fs}
	fs.StringVar(&f.model, "model", "", "ONNX model file, or a zoo name ('invrep zoo list'), which brings its preprocessing")
	f.addRest(withNorm)
	return f
}

// addModelsFlags is addModelFlags for commands that take several models
// (--model repeated), each opened in turn through forModel.
func addModelsFlags(fs *pflag.FlagSet, withNorm bool) *modelFlags {
	f := &modelFlags{fs: fs}
	fs.StringArrayVar(&f.models, "model", nil, "ONNX model file, or a zoo name ('invrep zoo list'), which brings its preprocessing; repeat for several models")
	f.addRest(withNorm)
	return f
}

// forModel is a copy of the flags for one of several models.
func (f *modelFlags) forModel(name string) *modelFlags {
	c := *f
	c.model, c.resolved, c.models = name, nil, nil
	return &c
}

func (f *modelFlags) addRest(withNorm bool) {
	fs := f.fs
	fs.StringVar(&f.dir, "models-dir", "", "where zoo models are looked up (default $INVREP_MODELS, else ../shared/models)")
	fs.Int64Var(&f.randomSeed, "random-weights", -1, "replace constant (architecture-only) weights with seeded He-initialised random ones")
	fs.StringArrayVar(&f.feeds, "feed", nil, "NAME=FILE.npy: the value of a model input other than the image (an image size, a mask); repeat for several")
	fs.StringVar(&f.layout, "layout", "", "the image input's layout, nchw, nhwc (channels last) or chw (unbatched), where it cannot be inferred from the model")
	fs.BoolVar(&f.dequantize, "dequantize", false, "build a quantised model's float twin: dequantised weights, quantisers taken out (compare what the integer model and its float twin keep)")
	fs.StringVar(&f.maxMemory, "max-memory", "", "refuse models that would need more memory than this, e.g. 4G or 500M (default half of the machine's memory)")
	if withNorm {
		fs.StringVar(&f.mean, "mean", "0.485,0.456,0.406", "per-channel mean of the model's input normalisation, in 0..1 units (a zoo model's own by default)")
		fs.StringVar(&f.std, "std", "0.229,0.224,0.225", "per-channel std of the model's input normalisation, in 0..1 units (a zoo model's own by default)")
	}
}

// open loads --model (a path or a zoo name).
func (f *modelFlags) open() (*onnxload.Model, error) {
	if f.randomSeed < -1 {
		return nil, usagef("--random-weights %d: want a seed ≥ 0", f.randomSeed)
	}
	if _, err := f.memoryLimit(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(f.model) == "" {
		return nil, usagef("--model is empty: give an ONNX file or a zoo name ('invrep zoo list')")
	}
	open := zoo.Open
	if f.structure {
		open = zoo.OpenStructure
	}
	r, err := open(f.model, f.dir, f.randomSeed)
	if err != nil {
		return nil, err
	}
	var side [][2]string
	for _, p := range r.Model.ExternalFiles {
		side = append(side, [2]string{"model", p})
	}
	if err := distinctOutputs(f.writes, side); err != nil {
		return nil, fmt.Errorf("%w (a side file of the model's external data)", err)
	}
	for _, feed := range f.feeds {
		name, path, ok := strings.Cut(feed, "=")
		if !ok || name == "" || path == "" {
			return nil, usagef("--feed %q: want NAME=FILE.npy", feed)
		}
		if err := distinctOutputs(f.writes, [][2]string{{"feed", path}}); err != nil {
			return nil, err
		}
		t, err := npy.Load(path)
		if err != nil {
			return nil, fmt.Errorf("--feed %s: %w", feed, err)
		}
		if err := r.Model.Feed(name, t); err != nil {
			return nil, usageError{msg: "--feed: " + err.Error()}
		}
	}
	if f.dequantize {
		if r.Model.Quantizers() == 0 {
			return nil, usagef("--dequantize: model %s has no quantisers (no QuantizeLinear, DynamicQuantizeLinear, ConvInteger or MatMulInteger)", f.model)
		}
		r.Model.Dequantized = true
	}
	f.resolved = r
	return r.Model, nil
}

// openImageModel opens --model, checks that it takes RGB images, and
// returns it with its normalisation and input width and height (size, N or
// WxH, overrides the declared ones).
func (f *modelFlags) openImageModel(size string) (m *onnxload.Model, norm graph.Normalization, w, h int, err error) {
	if m, err = f.open(); err != nil {
		return
	}
	if norm, err = f.normalization(); err != nil {
		return
	}
	if err = f.imageLayout(m); err != nil {
		return
	}
	var sw, sh int
	if size != "" {
		if sw, sh, err = parseSize(size); err != nil {
			return
		}
	}
	declared, err := m.ImageShape(sw, sh)
	if err != nil {
		return
	}
	if declared[1] != 3 {
		err = fmt.Errorf("model %s: input %v is not an RGB image [N,3,H,W]: photos are inverted through RGB models only (a model of grey or other inputs runs on arrays: 'invrep features --input X.npy')", f.model, m.Inputs[0])
		return
	}
	if len(norm.Mean) != 3 {
		err = usagef("--mean/--std need 3 values for an RGB model")
		return
	}
	w, h = declared[3], declared[2]
	// The photo is resized to w×h before the model is built: charge it
	// (and its gradient) now, so that --size 65536 is refused, not
	// allocated.
	err = f.charge(fmt.Sprintf("a %d×%d input image", w, h), int64(w)*int64(h)*3, 2)
	return
}

// charge refuses, before it is allocated, a buffer of n float32 values
// (times copies) that would not fit under --max-memory.
func (f *modelFlags) charge(what string, n, copies int64) error {
	limit, err := f.memoryLimit()
	if err != nil {
		return err
	}
	if limit <= 0 {
		limit = onnxload.DefaultMaxMemory()
	}
	if n < 0 || copies <= 0 || n > limit/4/copies {
		return fmt.Errorf("%s would need %s, beyond the memory limit (%s) (raise it with --max-memory)", what, gib(float64(n)*4*float64(copies)), gib(float64(limit)))
	}
	return nil
}

func gib(b float64) string {
	if b >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", b/(1<<20))
}

// imageLayout sets how photos enter the model: --layout, else the layout
// the model's input and its first reader show (channels last, unbatched).
func (f *modelFlags) imageLayout(m *onnxload.Model) error {
	if f.layout != "" {
		l, err := onnxload.ParseLayout(f.layout)
		if err != nil {
			return usagef("--layout: %v", err)
		}
		m.Layout = l
		return nil
	}
	l, err := m.DetectLayout()
	if err != nil {
		return usageError{msg: err.Error()}
	}
	m.Layout = l
	return nil
}

// layerModel is a model opened for images, with the layer a command works
// on and where that layer sits.
type layerModel struct {
	*onnxload.Model
	norm  graph.Normalization
	w, h  int
	layer string // the node output --layer means
	depth float64
	rf    onnxload.RF
}

// openLayer opens --model for images (size overrides its input size) and
// resolves --layer, with the layer's depth and, when rf is set, its
// receptive field (which a model with a window of unknown size lacks).
func (f *modelFlags) openLayer(size, layer string, rf bool) (*layerModel, error) {
	m, norm, w, h, err := f.openImageModel(size)
	if err != nil {
		return nil, err
	}
	lm := &layerModel{Model: m, norm: norm, w: w, h: h}
	if lm.layer, err = f.resolveLayer(m, layer); err != nil {
		return nil, err
	}
	if lm.depth, err = m.Depth(lm.layer); err != nil {
		return nil, err
	}
	if rf {
		if lm.rf, err = m.ReceptiveField(lm.layer); err != nil {
			return nil, err
		}
	}
	return lm, nil
}

// memoryLimit reads --max-memory (0: the default).
func (f *modelFlags) memoryLimit() (int64, error) {
	v := strings.TrimSpace(strings.ToUpper(f.maxMemory))
	if v == "" {
		return 0, nil
	}
	mult := int64(1)
	for suffix, m := range map[string]int64{"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40} {
		if strings.HasSuffix(v, suffix) || strings.HasSuffix(v, suffix+"B") || strings.HasSuffix(v, suffix+"IB") {
			v = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(v, "IB"), "B"), suffix)
			mult = m
			break
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n <= 0 {
		return 0, usagef("--max-memory %q: want a size such as 4G, 500M or 1073741824", f.maxMemory)
	}
	return int64(n * float64(mult)), nil
}

// build builds the model for shape (nil: declared) up to outputs, to be
// run forward only.
func (f *modelFlags) build(m *onnxload.Model, shape []int, outputs []string, norm *graph.Normalization) (*onnxload.Net, error) {
	limit, err := f.memoryLimit()
	if err != nil {
		return nil, err
	}
	return m.Build(onnxload.Options{InputShape: shape, Outputs: outputs, Normalization: norm, MaxMemory: limit, Forward: true})
}

// truncated is the model cut at layer, as a representation.
func (f *modelFlags) truncated(m *onnxload.Model, layer string, norm *graph.Normalization) onnxload.Truncated {
	limit, _ := f.memoryLimit()
	return onnxload.Truncated{Model: m, Layer: layer, Normalization: norm, MaxMemory: limit}
}

// layer maps a zoo alias (conv1 … fc8) to the node name.
func (f *modelFlags) layer(name string) string {
	if f.resolved != nil && f.resolved.Entry != nil {
		return f.resolved.Entry.Layer(name)
	}
	return name
}

// resolveLayer maps what a user gives --layer (a zoo alias, an output
// name, a node name, a PyTorch module path) to the node output it means.
func (f *modelFlags) resolveLayer(m *onnxload.Model, name string) (string, error) {
	out, err := m.Resolve(f.layer(name))
	if err != nil {
		return "", fmt.Errorf("--layer: %w", err)
	}
	return out, nil
}

// normalization is --mean/--std, or the zoo model's own when they are not given.
func (f *modelFlags) normalization() (graph.Normalization, error) {
	if f.resolved != nil && f.resolved.Entry != nil && !f.fs.Changed("mean") && !f.fs.Changed("std") {
		return f.resolved.Entry.Normalization, nil
	}
	return normalizationFlags(f.mean, f.std)
}

// parseShapeFlag reads N,C,H,W (any rank) from a flag value.
func parseShapeFlag(flag, v string) ([]int, error) {
	if v == "" {
		return nil, nil
	}
	var out []int
	n := int64(1)
	for _, p := range strings.Split(v, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || d <= 0 {
			return nil, usagef("--%s %q: want positive integers separated by commas", flag, v)
		}
		// Checked before multiplying: a product that wraps would pass the
		// memory check.
		if d > maxElements || n > maxElements/int64(d) {
			return nil, usagef("--%s %q: %s elements is more than any model could hold", flag, v, elementsString(v))
		}
		n *= int64(d)
		out = append(out, d)
	}
	return out, nil
}

// maxElements bounds what a shape flag may ask for (2^40 values, 4 TiB of
// float32), well above any memory limit and far below int overflow.
const maxElements = 1 << 40

// maxSide bounds --size (64 Mpixel images are the decoders' limit).
const maxSide = 1 << 16

func elementsString(v string) string {
	p := new(big.Int).SetInt64(1)
	for _, s := range strings.Split(v, ",") {
		d, ok := new(big.Int).SetString(strings.TrimSpace(s), 10)
		if !ok {
			return "too many"
		}
		p.Mul(p, d)
	}
	return p.String()
}

// parseFloats reads a comma-separated list of floats.
func parseFloats(flag, v string) ([]float64, error) {
	var out []float64
	for _, p := range strings.Split(v, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, usagef("--%s %q: want numbers separated by commas", flag, v)
		}
		out = append(out, f)
	}
	return out, nil
}

// parseSize reads --size as N (square) or WxH.
func parseSize(v string) (w, h int, err error) {
	parts := strings.Split(strings.ToLower(v), "x")
	if len(parts) > 2 {
		return 0, 0, usagef("--size %q: want N or WxH", v)
	}
	var d [2]int
	for i, p := range parts {
		if d[i], err = strconv.Atoi(strings.TrimSpace(p)); err != nil || d[i] <= 0 {
			return 0, 0, usagef("--size %q: want a positive N or WxH", v)
		}
		if d[i] > maxSide {
			return 0, 0, usagef("--size %q: sides are at most %d pixels", v, maxSide)
		}
	}
	if len(parts) == 1 {
		d[1] = d[0]
	}
	return d[0], d[1], nil
}
