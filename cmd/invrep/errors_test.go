package main

import (
	"bytes"
	"github.com/invrep/invrep/zoo"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/onnxload"
)

// unsupportedModel writes a model with an op invrep does not support.
func unsupportedModel(t *testing.T, dir string) string {
	m := &onnxload.Model{Opset: 13, Initializers: map[string]*onnxload.Tensor{},
		Inputs:  []onnxload.ValueInfo{{Name: "x", Dims: []int64{1, 3, 8, 8}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Nodes:   []onnxload.Node{{Name: "mystery", OpType: "Einsum", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Outputs: []string{"y"}}
	return writeModel(t, dir, "erf.onnx", m)
}

// nanWeightModel writes a Conv whose weights hold one NaN, behind a Relu.
func nanWeightModel(t *testing.T, dir string) string {
	w := &onnxload.Tensor{Dims: []int64{4, 3, 1, 1}, Float: make([]float32, 12)}
	w.Float[2] = float32(math.NaN())
	m := &onnxload.Model{Opset: 13, Initializers: map[string]*onnxload.Tensor{"w": w},
		Inputs: []onnxload.ValueInfo{{Name: "x", Dims: []int64{1, 3, 8, 8}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Nodes: []onnxload.Node{{Name: "c", OpType: "Conv", Inputs: []string{"x", "w"}, Outputs: []string{"h"}},
			{Name: "r", OpType: "Relu", Inputs: []string{"h"}, Outputs: []string{"y"}}},
		Outputs: []string{"y"}}
	return writeModel(t, dir, "nan.onnx", m)
}

// typedModel writes a Relu over an input of the given element type and
// declared dims.
func typedModel(t *testing.T, dir, name string, elemType int32, dims []int64) string {
	m := &onnxload.Model{Opset: 13, Initializers: map[string]*onnxload.Tensor{},
		Inputs:  []onnxload.ValueInfo{{Name: "x", Dims: dims, Params: make([]string, len(dims)), ElemType: elemType}},
		Nodes:   []onnxload.Node{{Name: "r", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Outputs: []string{"y"}}
	return writeModel(t, dir, name, m)
}

// graphModel writes a model of the given nodes over an input x [1,3,8,8].
func graphModel(t *testing.T, dir, name string, nodes []onnxload.Node, output string) string {
	m := &onnxload.Model{Opset: 13, Initializers: map[string]*onnxload.Tensor{},
		Inputs: []onnxload.ValueInfo{{Name: "x", Dims: []int64{1, 3, 8, 8}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Nodes:  nodes, Outputs: []string{output}}
	return writeModel(t, dir, name, m)
}

// hugeDeclaredModel writes a 100-byte model whose input and output declare
// [1, 3, 2³¹, 8]: declared shapes are metadata, never allocated (onnx-go
// used to allocate them while decoding and the process died out of memory).
func hugeDeclaredModel(t *testing.T, dir string) string {
	m := &onnxload.Model{Opset: 13, Initializers: map[string]*onnxload.Tensor{},
		Inputs:  []onnxload.ValueInfo{{Name: "x", Dims: []int64{1, 3, 1 << 31, 8}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Nodes:   []onnxload.Node{{Name: "r", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Outputs: []string{"y"}}
	return writeModel(t, dir, "huge.onnx", m)
}

// TestBadInput: every class of bad input gets a non-zero exit status, a
// message naming the culprit, no panic trace and no output file.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	img := tinyImage(t, dir)
	raw, _ := os.ReadFile(model)
	os.WriteFile(filepath.Join(dir, "truncated.onnx"), raw[:len(raw)/2], 0o644)
	os.WriteFile(filepath.Join(dir, "text.onnx"), []byte("not a model at all\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644)
	os.Mkdir(filepath.Join(dir, "folder.onnx"), 0o755)
	npy.Save(filepath.Join(dir, "good.npy"), graph.NewTensor(1, 3, 8, 8))
	npy.Save(filepath.Join(dir, "wrongshape.npy"), graph.NewTensor(3, 8, 8))
	npy.Save(filepath.Join(dir, "wrongchannels.npy"), graph.NewTensor(1, 5, 8, 8))
	erf := unsupportedModel(t, dir)
	huge := hugeDeclaredModel(t, dir)
	cycle := graphModel(t, dir, "cycle.onnx", []onnxload.Node{
		{Name: "first", OpType: "Add", Inputs: []string{"x", "b"}, Outputs: []string{"a"}},
		{Name: "second", OpType: "Relu", Inputs: []string{"a"}, Outputs: []string{"b"}}}, "b")
	twice := graphModel(t, dir, "twice.onnx", []onnxload.Node{
		{Name: "one", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}},
		{Name: "two", OpType: "Sigmoid", Inputs: []string{"x"}, Outputs: []string{"y"}}}, "y")
	nanModel := nanWeightModel(t, dir)
	nanMask := graph.NewTensor(1, 4, 8, 8)
	nanMask.Data[5] = float32(math.NaN())
	npy.Save(filepath.Join(dir, "nanmask.npy"), nanMask)
	// 1 GB of zeros (sparse: no disk used): refused from its first bytes,
	// not read whole first.
	if f, err := os.Create(filepath.Join(dir, "big.onnx")); err == nil {
		f.Truncate(1 << 30)
		f.Close()
	}
	short := writeModel(t, dir, "short.onnx", &onnxload.Model{Opset: 13,
		Initializers: map[string]*onnxload.Tensor{"w": {Dims: []int64{3}, Float: []float32{1, 2}}},
		Inputs:       []onnxload.ValueInfo{{Name: "x", Dims: []int64{1, 3}, Params: []string{"", ""}, ElemType: 1}},
		Nodes:        []onnxload.Node{{Name: "m", OpType: "Mul", Inputs: []string{"x", "w"}, Outputs: []string{"y"}}},
		Outputs:      []string{"y"}})
	groupZero := graphModel(t, dir, "group0.onnx", []onnxload.Node{
		{Name: "g0", OpType: "Conv", Inputs: []string{"x", "x"}, Outputs: []string{"y"}, Attrs: map[string]any{"group": int64(0)}}}, "y")
	intInput := typedModel(t, dir, "int64.onnx", 7, []int64{1, 3, 8, 8})
	zeroDim := typedModel(t, dir, "zerodim.onnx", 1, []int64{1, 3, 0, 8})
	halfInput := typedModel(t, dir, "float16.onnx", 10, []int64{1, 3, 8, 8})
	unsorted := graphModel(t, dir, "unsorted.onnx", []onnxload.Node{
		{Name: "late", OpType: "Sigmoid", Inputs: []string{"a"}, Outputs: []string{"y"}},
		{Name: "early", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"a"}}}, "y")
	os.Symlink(img, filepath.Join(dir, "link.png"))
	out := filepath.Join(dir, "out.npy")
	png := filepath.Join(dir, "out.png")
	feat := func(extra ...string) []string {
		return append([]string{"features", "--model", model, "--layer", "relu_out", "--out", out}, extra...)
	}
	inv := func(extra ...string) []string {
		return append([]string{"invert", "--model", model, "--layer", "relu_out", "--image", img, "--out", png, "--iters", "3"}, extra...)
	}
	for _, c := range []struct {
		class   string
		args    []string
		code    int
		culprit string
	}{
		{"missing file", []string{"layers", "--model", filepath.Join(dir, "absent.onnx")}, 1, "absent.onnx"},
		{"unreadable file", []string{"layers", "--model", filepath.Join(dir, "folder.onnx")}, 1, "folder.onnx"},
		{"not an ONNX file", []string{"layers", "--model", filepath.Join(dir, "text.onnx")}, 1, "text.onnx"},
		{"truncated ONNX file", []string{"layers", "--model", filepath.Join(dir, "truncated.onnx")}, 1, "truncated.onnx"},
		{"unsupported op", []string{"features", "--model", erf, "--layer", "y", "--input", filepath.Join(dir, "good.npy"), "--out", out}, 1, `unsupported op Einsum (e.g. at node "mystery"`},
		// layers lists such a model, marking what is not built and why.
		{"unsupported op, listed", []string{"layers", "--model", erf}, 0, `[not built: unsupported op Einsum]`},
		{"unknown layer", feat("--input", filepath.Join(dir, "good.npy"), "--layer", "relux"), 2, "closest: relu ("},
		{"undecodable image", inv("--image", filepath.Join(dir, "broken.png")), 1, "broken.png"},
		{"tensor shape", feat("--input", filepath.Join(dir, "wrongshape.npy")), 1, "wrongshape.npy"},
		{"channel count", feat("--input", filepath.Join(dir, "wrongchannels.npy")), 1, "wrongchannels.npy"},
		{"negative iterations", inv("--iters", "-5"), 2, "--iters"},
		{"too few iterations, before the model is read", inv("--iters", "2", "--model", filepath.Join(dir, "absent.onnx")), 2, "--iters 2"},
		{"too few sweep iterations, before the model is read", []string{"sweep", "--model", filepath.Join(dir, "absent.onnx"), "--layers", "x", "--images", dir, "--out", filepath.Join(dir, "sw2"), "--iters", "2"}, 2, "--iters 2"},
		{"malformed channels", inv("--channels", "half"), 2, "--channels"},
		{"shard beyond count", []string{"sweep", "--model", model, "--layers", "relu_out", "--images", dir, "--out", filepath.Join(dir, "sw"), "--shard", "3/2"}, 2, "--shard"},
		{"memory limit", []string{"layers", "--model", model, "--input-shape", "1,3,20000,20000"}, 1, "memory limit"},
		{"bad memory flag", []string{"layers", "--model", model, "--max-memory", "-3G"}, 2, "--max-memory"},
		{"unknown representation", []string{"features", "--rep", "sift", "--out", out}, 2, "sift"},
		{"output over input", feat("--input", filepath.Join(dir, "good.npy"), "--out", filepath.Join(dir, "good.npy")), 2, "same file as --input"},
		{"output over the photo", inv("--out", img), 2, "same file as --image"},
		{"output over the photo by a link", inv("--out", filepath.Join(dir, "link.png")), 2, "same file as --image"},
		{"report over output", inv("--report", png), 2, "--out and --report are the same file"},
		{"non-finite --tv", inv("--tv", "nan"), 2, "--tv"},
		{"output folder under a file", inv("--out", filepath.Join(model, "sub", "out.png")), 1, "cannot make the folder " + filepath.Join(model, "sub")},
		{"report folder under a file, no picture either", inv("--report", filepath.Join(model, "sub", "r.json")), 1, "--report"},
		{"infinite --tv-code", inv("--tv-code", "inf"), 2, "--tv"},
		{"declared shape beyond memory", []string{"layers", "--model", huge}, 1, "memory limit"},
		{"cycle", []string{"layers", "--model", cycle}, 1, `cycle through node "first"`},
		{"NaN weight", []string{"invert", "--model", nanModel, "--layer", "y", "--image", img, "--out", png, "--iters", "3"}, 1, `tensor "w", read by node "c" (Conv), holds NaN at index 2`},
		{"NaN in the mask", inv("--mask", filepath.Join(dir, "nanmask.npy")), 1, "nanmask.npy holds NaN at index 5"},
		{"1 GB that is not ONNX", []string{"layers", "--model", filepath.Join(dir, "big.onnx")}, 1, "does not begin like one"},
		{"initializer of the wrong size", []string{"layers", "--model", short}, 1, `initializer "w": raw_data holds 8 bytes, dims [3]`},
		{"group 0", []string{"features", "--model", groupZero, "--layer", "y", "--input", filepath.Join(dir, "good.npy"), "--out", out}, 1, `node "g0" (Conv): attribute group = 0 must be positive`},
		{"group 0, listed", []string{"layers", "--model", groupZero}, 0, `[not built: attribute group = 0 must be positive]`},
		{"integer input", []string{"layers", "--model", intInput}, 1, `input "x" holds int64 values`},
		{"zero dimension", []string{"layers", "--model", zeroDim}, 1, `input "x": shape [1 3 0 8] has a non-positive dimension`},
		{"empty --model", []string{"layers", "--model", ""}, 2, "--model is empty"},
		{"size beyond the memory limit, before any pixel", feat("--image", img, "--size", "8000", "--max-memory", "100M"), 1, "memory limit"},
		{"size beyond int", inv("--size", "4294967296"), 2, "--size"},
		{"size that wraps", inv("--size", "4611686018427387905x4"), 2, "--size"},
		{"device instead of a file", []string{"layers", "--model", "/dev/zero"}, 1, "/dev/zero: not a regular file"},
		{"input shape that wraps", []string{"layers", "--model", model, "--input-shape", "1,3,4294967296,4294967296"}, 2, "--input-shape"},
		{"two producers", []string{"layers", "--model", twice}, 1, `node "one" (Relu) and node "two" (Sigmoid) both produce "y"`},
	} {
		r := invrep(t, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr+r.stdout, c.culprit) {
			t.Errorf("%s: exit %d (want %d), stderr %q should name %q", c.class, r.code, c.code, r.stderr, c.culprit)
		}
		if st, err := os.Stat(img); err != nil || st.Size() == 0 {
			t.Fatalf("%s: the input photo was overwritten or removed", c.class)
		}
		for _, p := range []string{out, png} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s: %s was written", c.class, p)
				os.Remove(p)
			}
		}
	}
	if r := invrep(t, "layers", "--model", halfInput); r.code != 0 {
		t.Errorf("a float16 input (computed in float32): exit %d, %s", r.code, r.stderr)
	}
	if r := invrep(t, "layers", "--model", unsorted); r.code != 0 || !strings.Contains(r.stdout, "a ") {
		t.Errorf("a graph listed out of order: exit %d, %s%s", r.code, r.stdout, r.stderr)
	}
	// The huge declaration is only metadata: another input shape builds.
	if r := invrep(t, "layers", "--model", huge, "--input-shape", "1,3,8,8"); r.code != 0 {
		t.Errorf("declared [1,3,2^31,8], built at 1,3,8,8: exit %d, %s", r.code, r.stderr)
	}
}

// TestInterrupt: SIGINT during invert and sweep stops the run, says where
// things stand, and leaves no output or temporary file.
func TestInterrupt(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	imgs := filepath.Join(dir, "imgs")
	os.Mkdir(imgs, 0o755)
	tinyImage(t, imgs)
	png := filepath.Join(dir, "rec.png")
	sweepDir := filepath.Join(dir, "sweep")
	pair := filepath.Join(dir, "pair")
	os.Mkdir(pair, 0o755)
	writePNG(t, filepath.Join(pair, "a.png"), 64, 48)
	writePNG(t, filepath.Join(pair, "b.png"), 48, 64)
	table := filepath.Join(dir, "table.md")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"invert", []string{"invert", "--model", model, "--layer", "relu_out", "--image", filepath.Join(imgs, "img.png"), "--out", png,
			"--iters", "100000", "--size", "256", "--quiet"}, "interrupted at iteration"},
		{"sweep", []string{"sweep", "--model", model, "--layers", "conv_out,relu_out", "--images", imgs, "--out", sweepDir,
			"--iters", "100000", "--size", "256", "--quiet"}, "run the same command again to resume"},
		{"eval", []string{"eval", "--rep", "hog", "--images", pair, "--iters", "100000", "--quiet", "--out", table}, "interrupted at image 0 of 2; nothing was written"},
		// A scheduler's stop: SIGTERM to every process of the job, and
		// the job script passing its own on; two within a second are one request
		// and still a clean stop, not the forced exit of a second Ctrl-C.
		{"sweep, SIGTERM twice", []string{"sweep", "--model", model, "--layers", "conv_out,relu_out", "--images", imgs, "--out", sweepDir,
			"--iters", "100000", "--size", "256", "--quiet"}, "run the same command again to resume"},
	} {
		cmd := exec.Command(bin, c.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		if strings.Contains(c.name, "SIGTERM") {
			// Apart enough that the kernel does not merge them into one.
			cmd.Process.Signal(syscall.SIGTERM)
			time.Sleep(2 * time.Millisecond)
			cmd.Process.Signal(syscall.SIGTERM)
		} else {
			cmd.Process.Signal(syscall.SIGINT)
		}
		err := cmd.Wait()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%s: %v, stderr %q", c.name, err, stderr.String())
		}
		for _, p := range []string{png, table} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s: %s written after interruption", c.name, p)
			}
		}
		filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if strings.Contains(filepath.Base(p), ".invrep-tmp-") {
				t.Errorf("%s: temporary file left: %s", c.name, p)
			}
			if strings.HasSuffix(p, ".png") && strings.Contains(p, "sweep") {
				t.Errorf("%s: a reconstruction was written for an unfinished run: %s", c.name, p)
			}
			return nil
		})
	}
}

// TestDivergence: a NaN or Inf stops the run with an error naming the
// iteration and the term, and the lowest-energy finite images are kept.
func TestDivergence(t *testing.T) {
	dir := t.TempDir()
	model, img := tinyModel(t, dir), tinyImage(t, dir)
	out := filepath.Join(dir, "div.png")
	r := invrep(t, "invert", "--model", model, "--layer", "relu_out", "--image", img, "--out", out, "--size", "96",
		"--iters", "20", "--tv", "1e9", "--no-safeguard")
	if r.code != 1 || !strings.Contains(r.stderr, "diverged at iteration") || !strings.Contains(r.stderr, "term is") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("the last finite images were not kept: %v", err)
	}
	// With the safeguard the same run ends finite.
	r = invrep(t, "invert", "--model", model, "--layer", "relu_out", "--image", img, "--out", out, "--size", "96",
		"--iters", "20", "--tv", "1e9")
	if r.code != 0 || !strings.Contains(r.stdout, "safeguard backtracks") {
		t.Fatalf("with the safeguard: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
}

// TestShardIndexFromJob: an index from $JOB_COMPLETION_INDEX that does not
// fit --shard env/N is shown, since the command line does not show it.
func TestShardIndexFromJob(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	cmd := exec.Command(bin, "sweep", "--model", model, "--layers", "relu_out", "--images", dir, "--out", filepath.Join(dir, "sw"), "--shard", "env/2")
	cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX=5")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), `$JOB_COMPLETION_INDEX is "5"`) {
		t.Fatalf("exit %v: %s", err, out)
	}
}

// writeModel encodes m into dir/name and returns the path.
func writeModel(t *testing.T, dir, name string, m *onnxload.Model) string {
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStaleTemporary: a temporary that a killed process left beside an
// output is removed by the next run that writes that output.
func TestStaleTemporary(t *testing.T) {
	dir := t.TempDir()
	model, img := tinyModel(t, dir), tinyImage(t, dir)
	out := filepath.Join(dir, "rec.png")
	stale := filepath.Join(dir, ".rec.png.invrep-tmp-4242")
	os.WriteFile(stale, nil, 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	if r := invrep(t, "invert", "--model", model, "--layer", "relu_out", "--image", img, "--out", out, "--iters", "3", "--quiet"); r.code != 0 {
		t.Fatalf("invert: %s", r.stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary is still there: %v", err)
	}
}

// TestModelsFolderFromEnv: a $INVREP_MODELS or --models-dir that names no
// folder is said by zoo list, naming where it came from, and every known
// model is still listed (as absent).
func TestModelsFolderFromEnv(t *testing.T) {
	absent := filepath.Join(t.TempDir(), "absent")
	for _, c := range []struct {
		args []string
		env  string
		from string
	}{
		{[]string{"zoo", "list"}, "INVREP_MODELS=" + absent, "($INVREP_MODELS) does not exist"},
		{[]string{"zoo", "list", "--models-dir", absent}, "", "(--models-dir) does not exist"},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = append(os.Environ(), c.env)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), c.from) || strings.Count(string(out), "  no  ") != len(zoo.Registry) {
			t.Fatalf("%v with %s: %v\n%s", c.args, c.env, err, out)
		}
	}
}
