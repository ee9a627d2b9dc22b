package main

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/testenv"
	"github.com/invrep/invrep/onnxload"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "invrep-cli")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "invrep")
	// Zoo names resolve in ../shared/models where it is there (as a user
	// points $INVREP_MODELS at their folder); the user cache is never read.
	if os.Getenv("INVREP_MODELS") == "" {
		if abs, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "models")); err == nil {
			os.Setenv("INVREP_MODELS", abs)
		}
	}
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// invrep runs the built binary as a user would.
func invrep(t *testing.T, args ...string) result {
	t.Helper()
	return invrepIn(t, "", nil, args...)
}

// invrepIn runs the binary in a folder with an environment of its own
// (nil: this process's).
func invrepIn(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	r := result{code, o.String(), e.String()}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Fatalf("invrep %v panicked:\n%s", args, r.stderr)
	}
	return r
}

// tinyModel writes a conv → relu → maxpool ONNX model (input [N,3,8,8]).
func tinyModel(t *testing.T, dir string) string {
	t.Helper()
	w := &onnxload.Tensor{Dims: []int64{4, 3, 3, 3}}
	for i := 0; i < 108; i++ {
		w.Float = append(w.Float, float32(math.Sin(float64(i))))
	}
	m := &onnxload.Model{
		Opset:        13,
		Inputs:       []onnxload.ValueInfo{{Name: "data", Dims: []int64{0, 3, 8, 8}, Params: []string{"N", "", "", ""}, ElemType: 1}},
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
		t.Fatal(err)
	}
	p := filepath.Join(dir, "tiny.onnx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLayersCommand(t *testing.T) {
	model := tinyModel(t, t.TempDir())
	r := invrep(t, "layers", "--model", model)
	want := []string{"data Input 1,3,8,8", "conv_out Conv 1,4,8,8", "relu_out Relu 1,4,8,8", "pool_out MaxPool 1,4,4,4"}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != len(want) {
		t.Fatalf("exit %d, output:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for i, l := range lines {
		if strings.Join(strings.Fields(l), " ") != want[i] {
			t.Errorf("line %d = %q, want %q", i, l, want[i])
		}
	}
	r = invrep(t, "layers", "--model", model, "--input-shape", "2,3,10,12")
	if !strings.Contains(r.stdout, "2,4,5,6") {
		t.Errorf("--input-shape 2,3,10,12: %s", r.stdout)
	}
	// 3×3 convolution, then 2×2 pooling at stride 2: 3 + 1 pixels.
	r = invrep(t, "layers", "--model", model, "--rf")
	if !strings.Contains(r.stdout, "rf 3, stride 1") || !strings.Contains(r.stdout, "MaxPool  1,4,4,4  rf 4, stride 2") {
		t.Errorf("--rf: %s", r.stdout)
	}
}

func TestFeaturesFromInput(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	x := graph.NewTensor(2, 3, 8, 8)
	for i := range x.Data {
		x.Data[i] = float32(math.Cos(float64(i) * 0.37))
	}
	in, out := filepath.Join(dir, "x.npy"), filepath.Join(dir, "f.npy")
	if err := npy.Save(in, x); err != nil {
		t.Fatal(err)
	}
	r := invrep(t, "features", "--model", model, "--layer", "relu_out", "--input", in, "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	y, err := npy.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(y.Shape, []int{2, 4, 8, 8}) {
		t.Fatalf("shape %v", y.Shape)
	}
	// Output channel 1, image 1, pixel (3,4), computed by hand.
	m, _ := onnxload.Load(model)
	w := m.Initializers["w"].Float
	s := 0.0
	for c := 0; c < 3; c++ {
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				s += float64(x.Data[((1*3+c)*8+2+i)*8+3+j]) * float64(w[((1*3+c)*3+i)*3+j])
			}
		}
	}
	if got := float64(y.Data[((1*4+1)*8+3)*8+4]); math.Abs(got-math.Max(s, 0)) > 1e-5 {
		t.Fatalf("relu_out[1,1,3,4] = %g, by hand %g", got, math.Max(s, 0))
	}
}

func equal(a, b []int) bool {
	return graph.ShapeString(a) == graph.ShapeString(b)
}

// TestFeaturesFromImage: --image on a reference photo reproduces
// onnxruntime's activations.
func TestFeaturesFromImage(t *testing.T) {
	shared := testenv.Shared(t)
	out := filepath.Join(t.TempDir(), "f.npy")
	r := invrep(t, "features", "--model", filepath.Join(shared, "models", "squeezenet1.1.onnx"), "--layer", "fire7",
		"--image", filepath.Join(shared, "refs", "astronaut_rgb.png"), "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	got, err := npy.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := npy.Load(filepath.Join(shared, "refs", "astronaut__squeezenet1.1__fire7.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !equal(got.Shape, ref.Shape) {
		t.Fatalf("shape %v, reference %v", got.Shape, ref.Shape)
	}
	worst := 0.0
	for i := range ref.Data {
		worst = math.Max(worst, math.Abs(float64(got.Data[i]-ref.Data[i])))
	}
	if worst > 1e-4*ref.MaxAbs() {
		t.Fatalf("max|go-ref| = %g > 1e-4·%g", worst, ref.MaxAbs())
	}
}

func TestUsageAndErrors(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	out := filepath.Join(dir, "f.npy")
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"features", "--help"}, 0, ""},
		{"no command", []string{}, 2, ""},
		{"unknown command", []string{"frobnicate"}, 2, "frobnicate"},
		{"unknown flag", []string{"layers", "--modle", model}, 2, "--modle"},
		{"missing flag", []string{"layers"}, 2, "--model"},
		{"missing model", []string{"layers", "--model", filepath.Join(dir, "nope.onnx")}, 1, "nope.onnx"},
		{"not onnx", []string{"layers", "--model", filepath.Join(dir, "x.onnx")}, 1, "not an ONNX model"},
		{"bad layer", []string{"features", "--model", model, "--layer", "relu_ot", "--input", filepath.Join(dir, "x.npy"), "--out", out}, 2, "closest: relu_out"},
		{"bad input shape", []string{"layers", "--model", model, "--input-shape", "1,3,x"}, 2, "--input-shape"},
		{"wrong channels", []string{"features", "--model", model, "--layer", "relu_out", "--input", filepath.Join(dir, "x4.npy"), "--out", out}, 1, "x4.npy"},
		{"bad image", []string{"features", "--model", model, "--layer", "relu_out", "--image", filepath.Join(dir, "x.npy"), "--out", out}, 1, "x.npy"},
		{"both inputs", []string{"features", "--model", model, "--layer", "relu_out", "--image", "a.png", "--input", "b.npy", "--out", out}, 2, "exactly one"},
	} {
		os.WriteFile(filepath.Join(dir, "x.onnx"), []byte("this is not a protobuf at all"), 0o644)
		npy.Save(filepath.Join(dir, "x.npy"), graph.NewTensor(1, 3, 8, 8))
		npy.Save(filepath.Join(dir, "x4.npy"), graph.NewTensor(1, 4, 8, 8))
		r := invrep(t, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("%s: exit %d (want %d), stderr %q (want it to contain %q)", c.name, r.code, c.code, r.stderr, c.stderr)
		}
		if c.code != 0 {
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s: output file left behind", c.name)
				os.Remove(out)
			}
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// gradientImage is a smooth colour test pattern.
func gradientImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(20 * x), uint8(25 * y), uint8(128 + 5*(x-y)), 255})
		}
	}
	return img
}
