package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/testenv"
	"github.com/invrep/invrep/onnxload"
)

// hostileCase is one hostile command line: the exit status and the words
// its message must hold.
type hostileCase struct {
	name string
	args []string
	code int
	want []string
}

// runHostile runs each case as a user would, under a 2 GB address-space
// limit (ulimit -v) and a 60 s timeout: none may end in a runtime trace
// (a panic or Go's "fatal error: out of memory"), run past the timeout, or
// exit otherwise than the case says.
func runHostile(t *testing.T, cases []hostileCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			script := `ulimit -v 2000000; exec "$@"`
			cmd := exec.CommandContext(ctx, "bash", append([]string{"-c", script, "bash", bin}, c.args...)...)
			var e bytes.Buffer
			cmd.Stdout, cmd.Stderr = &e, &e
			err := cmd.Run()
			if ctx.Err() == context.DeadlineExceeded {
				t.Fatalf("still running after 60 s")
			}
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			out := e.String()
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "fatal error") || strings.Contains(out, "panic:") {
				t.Fatalf("a runtime trace reached the user:\n%.2000s", out)
			}
			if code != c.code {
				t.Errorf("exit %d, want %d:\n%s", code, c.code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not say %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestHostileFlags: sizes and counts from flags are checked before
// anything of their size is made (issue 26's memory and wrong-result
// examples on flags), and numbers that mean nothing are refused.
func TestHostileFlags(t *testing.T) {
	shared := testenv.Shared(t)
	sq := filepath.Join(shared, "models", "squeezenet1.1.onnx")
	img := filepath.Join(shared, "images", "chelsea.png")
	dir := t.TempDir()
	out := filepath.Join(dir, "o.png")
	vis := func(extra ...string) []string {
		return append([]string{"visualize", "--model", sq, "--objective", "fire7:1", "--out", out, "--steps", "2", "--quiet"}, extra...)
	}
	zeroDir := filepath.Join(dir, "zero.npy")
	if err := npy.Save(zeroDir, graph.NewTensor(384)); err != nil {
		t.Fatal(err)
	}
	inv := func(extra ...string) []string {
		return append([]string{"invert", "--model", sq, "--layer", "fire2", "--image", img, "--out", out, "--iters", "3", "--quiet"}, extra...)
	}
	runHostile(t, []hostileCase{
		{"rotate=1e8", vis("--transforms", "rotate=1e8"), 2, []string{"rotate=D"}},
		{"rotate=maxint", vis("--transforms", "rotate=9223372036854775807"), 2, []string{"0 ≤ D ≤ 180"}},
		{"pad=100000", vis("--transforms", "pad=100000"), 2, []string{"pad=N", "≤ 224"}},
		{"scale=1:NaN", vis("--transforms", "scale=1:NaN"), 2, []string{"scale=A:B"}},
		{"scale=1:Inf", vis("--transforms", "scale=1:Inf"), 2, []string{"scale=A:B"}},
		{"jitter=maxint", vis("--transforms", "jitter=9223372036854775807"), 2, []string{"jitter=N"}},
		{"visualize --batch 0", vis("--batch", "0"), 2, []string{"--batch 0"}},
		{"visualize --lr Inf", vis("--lr", "Inf"), 2, []string{"--lr", "finite"}},
		{"maximize --channels 0:1e9", []string{"maximize", "--model", sq, "--layer", "fire2", "--channels", "0:1000000000", "--out", out, "--iters", "2"}, 2, []string{"256 channels"}},
		{"maximize --class on a conv layer", []string{"maximize", "--model", sq, "--layer", "fire2", "--class", "5", "--out", out, "--iters", "2"}, 2, []string{"--class", "not the model's 1000 classes"}},
		{"maximize --size 65536", []string{"maximize", "--model", sq, "--layer", "fire2", "--channel", "1", "--size", "65536", "--out", out, "--iters", "2"}, 1, []string{"65536×65536", "memory limit"}},
		{"invert --size 20000 --max-memory 1G", inv("--size", "20000", "--max-memory", "1G"), 1, []string{"20000×20000", "memory limit (1.0 GiB)"}},
		{"caricature --size 65536", []string{"caricature", "--model", sq, "--layer", "fire2", "--image", img, "--size", "65536", "--out", out, "--iters", "3"}, 1, []string{"memory limit"}},
		{"invert --repeats 100000", inv("--repeats", "100000"), 1, []string{"--repeats 100000", "memory limit"}},
		{"ijcv --jitter 100000", inv("--method", "ijcv", "--jitter", "100000"), 2, []string{"--jitter 100000"}},
		{"ijcv --beta Inf", inv("--method", "ijcv", "--beta", "Inf"), 2, []string{"--beta", "finite"}},
		{"an objective of 8,000 terms", vis8000(sq, out), 2, []string{"8000 terms, more than the 100"}},
		{"a NaN weight", []string{"visualize", "--model", sq, "--objective", "NaN*fire7:1", "--out", out, "--steps", "2"}, 2, []string{"weight \"NaN\" is not a finite number"}},
		{"an all-zero direction file", []string{"visualize", "--model", sq, "--objective", "fire7:dir=" + zeroDir, "--out", out, "--steps", "2"}, 2, []string{"every value is 0"}},
		{"a position on logits", []string{"visualize", "--model", sq, "--objective", "logits:5@100,100", "--out", out, "--steps", "2"}, 1, []string{"has no positions"}},
		{"align on one image", []string{"visualize", "--model", sq, "--objective", "fire7:align", "--out", out, "--steps", "2"}, 1, []string{"batch of 2 or more"}},
		{"sweep --visualize 0:1e9", []string{"sweep", "--model", sq, "--layers", "fire2", "--out", filepath.Join(dir, "sw"), "--visualize", "0:1000000000", "--iters", "2"}, 2, []string{"256 channels"}},
	})
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command wrote %s", out)
	}
	// A visualisation sweep takes Adam steps: 2 are enough (not "the
	// schedule's 3 stages").
	runHostile(t, []hostileCase{{"sweep --visualize --iters 2",
		[]string{"sweep", "--model", sq, "--layers", "fire2", "--out", filepath.Join(dir, "sw2"), "--visualize", "0:2", "--iters", "2", "--quiet"}, 0, nil}})
}

// TestHostileModelsCLI: issue 26's hostile models through the binary under
// the 2 GB limit: refused with a message naming the node (exit 1), or, for
// the valid ones, computed (exit 0); none ends in a runtime trace.
func TestHostileModelsCLI(t *testing.T) {
	dir := t.TempDir()
	in := func(name string, dims ...int64) onnxload.ValueInfo {
		return onnxload.ValueInfo{Name: name, Dims: dims, Params: make([]string, len(dims)), ElemType: 1}
	}
	ints := func(v ...int64) *onnxload.Tensor {
		return &onnxload.Tensor{Dims: []int64{int64(len(v))}, Int: v, IsInt: true, DataType: 7}
	}
	model := func(name string, input onnxload.ValueInfo, inits map[string]*onnxload.Tensor, out string, nodes ...onnxload.Node) string {
		return writeModel(t, dir, name, &onnxload.Model{Opset: 13, Inputs: []onnxload.ValueInfo{input}, Initializers: inits, Nodes: nodes, Outputs: []string{out}})
	}
	node := func(op string, ins []string, out string, attrs map[string]any) onnxload.Node {
		if attrs == nil {
			attrs = map[string]any{}
		}
		return onnxload.Node{Name: out, OpType: op, Inputs: ins, Outputs: []string{out}, Attrs: attrs}
	}
	sum := func(x string) onnxload.Node {
		return node("ReduceSum", []string{x}, "s", map[string]any{"keepdims": int64(0)})
	}
	wrap := model("wrap.onnx", in("x", 1, 2, 64, 64), map[string]*onnxload.Tensor{"shape": ints(1<<62+1, 8192)}, "r",
		node("Reshape", []string{"x", "shape"}, "r", nil))
	mm := model("matmul.onnx", in("x", 1, 3, 4, 4), map[string]*onnxload.Tensor{"a": ints(60000, 1), "b": ints(1, 60000)}, "y",
		node("ConstantOfShape", []string{"a"}, "ca", nil), node("ConstantOfShape", []string{"b"}, "cb", nil),
		node("MatMul", []string{"ca", "cb"}, "m", nil), sum("m"), node("Add", []string{"x", "s"}, "y", nil))
	where := model("where.onnx", in("x", 1, 3, 4, 4), map[string]*onnxload.Tensor{"a": ints(50000, 1), "b": ints(1, 50000)}, "y",
		node("ConstantOfShape", []string{"a"}, "ca", nil), node("Cast", []string{"ca"}, "cond", map[string]any{"to": int64(9)}),
		node("ConstantOfShape", []string{"b"}, "cb", nil), node("Where", []string{"cond", "cb", "cb"}, "w", nil), sum("w"),
		node("Add", []string{"x", "s"}, "y", nil))
	w := &onnxload.Tensor{Dims: []int64{3, 4, 3, 3}, Float: make([]float32, 108)}
	for i := range w.Float {
		w.Float[i] = float32(i%7) - 3
	}
	ct := model("convt.onnx", in("x", 1, 3, 4, 4), map[string]*onnxload.Tensor{"w": w}, "y",
		node("ConvTranspose", []string{"x", "w"}, "y", map[string]any{"output_shape": []int64{-5, -5}}))
	zero := model("zero.onnx", in("x", 1, 3, 4, 4), map[string]*onnxload.Tensor{"split": ints(0, 3)}, "y",
		onnxload.Node{Name: "sp", OpType: "Split", Inputs: []string{"x", "split"}, Outputs: []string{"e", "f"}, Attrs: map[string]any{"axis": int64(1)}},
		node("Concat", []string{"e", "x"}, "y", map[string]any{"axis": int64(1)}))
	npyOut := filepath.Join(dir, "f.npy")
	x := filepath.Join(dir, "x.npy")
	writeNpy(t, x, 1, 3, 4, 4)
	x64 := filepath.Join(dir, "x64.npy")
	writeNpy(t, x64, 1, 2, 64, 64)
	runHostile(t, []hostileCase{
		{"Reshape to [2^62+1, 8192]", []string{"features", "--model", wrap, "--layer", "r", "--input", x64, "--out", npyOut}, 1, []string{`"r"`, "too large"}},
		{"MatMul of constants, 14 GB", []string{"layers", "--model", mm}, 0, []string{"not built", "memory limit"}},
		{"layers --max-memory 1G on a 9.3 GiB constant Where", []string{"layers", "--model", where, "--max-memory", "1G"}, 0, []string{"not built", "memory limit"}},
		{"ConvTranspose output_shape [-5,-5]", []string{"features", "--model", ct, "--layer", "y", "--input", x, "--out", npyOut}, 1, []string{"output_shape", "positive"}},
		{"Concat with a zero-size input (valid)", []string{"features", "--model", zero, "--layer", "y", "--input", x, "--out", npyOut}, 0, []string{"1,3,4,4"}},
	})
}

// writeNpy writes a float32 .npy of ones with the given shape.
func writeNpy(t *testing.T, path string, shape ...int) {
	t.Helper()
	x := graph.NewTensor(shape...)
	for i := range x.Data {
		x.Data[i] = 1
	}
	if err := npy.Save(path, x); err != nil {
		t.Fatal(err)
	}
}

// vis8000 is a visualize command whose objective has 8,000 terms.
func vis8000(model, out string) []string {
	return []string{"visualize", "--model", model, "--objective", strings.TrimSuffix(strings.Repeat("fire7:1 + ", 8000), " + "), "--out", out, "--steps", "2"}
}
