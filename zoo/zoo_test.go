package zoo

import (
	"encoding/csv"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/testenv"
	"github.com/invrep/invrep/onnxload"
)

func sharedModels(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.Shared(t), "models")
}

// TestRegistryChecksums: every model of ../shared/models is registered and
// its checksum matches.
func TestRegistryChecksums(t *testing.T) {
	dir := sharedModels(t)
	found := 0
	for _, m := range Registry {
		present, sum, err := m.Status(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !present {
			continue
		}
		found++
		if sum != "ok" {
			t.Errorf("%s: checksum %s", m.Name, sum)
		}
	}
	if found != 12 {
		t.Errorf("%d registered models found in %s, want the 12 there", found, dir)
	}
	if _, err := Open("squeezenet1.2", dir, -1); err == nil {
		t.Error("unknown name opened")
	}
}

// TestRandomWeights: an architecture-only AlexNet with He-initialised
// weights gives finite, non-constant activations of sensible scale at every
// depth, and different seeds give different weights.
func TestRandomWeights(t *testing.T) {
	dir := sharedModels(t)
	r, err := Open("alexnet-arch", dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	e := r.Entry
	net, err := r.Model.Build(onnxload.Options{Outputs: []string{e.Layer("conv1"), e.Layer("pool5"), e.Layer("fc8")}, Normalization: &e.Normalization})
	if err != nil {
		t.Fatal(err)
	}
	outs := []*graph.Node{net.Outputs["r0"], net.Outputs["r14"], net.Outputs["r24"]}
	p, err := net.Graph.Compile(nil, outs...)
	if err != nil {
		t.Fatal(err)
	}
	x := graph.NewTensor(net.Input.Shape()...)
	for i := range x.Data {
		x.Data[i] = float32(60 * math.Sin(float64(i)*0.01))
	}
	if err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"conv1", "pool5", "fc8"} {
		y, _ := p.Output(i)
		rms := math.Sqrt(y.SquaredNorm() / float64(len(y.Data)))
		if math.IsNaN(rms) || rms < 1e-3 || rms > 1e3 {
			t.Errorf("%s: rms activation %g", name, rms)
		}
	}
	r2, _ := Open("alexnet-arch", dir, 8)
	w1, w2 := r.Model.Initializers["conv1_w_0__random"], r2.Model.Initializers["conv1_w_0__random"]
	if w1 == nil || w2 == nil || w1.Float[0] == w2.Float[0] {
		t.Error("seeds 7 and 8 gave the same conv1 weights")
	}
}

// TestTableEscaping: names that would split a CSV row, run as a
// spreadsheet formula, end a Markdown cell or break an image URL.
func TestTableEscaping(t *testing.T) {
	errs := []LayerError{{Model: "=HYPERLINK(\"x\")", Layer: "a,b\n\"c\"|d`e", LayerIndex: 1, Depth: 0.5, TV: 5, Mean: 1, Std: 0.5, Images: 2}}
	rows, err := csv.NewReader(strings.NewReader(TableCSV(errs))).ReadAll()
	if err != nil || len(rows) != 2 || len(rows[1]) != 22 || rows[0][16] != "mean_psnr_db" {
		t.Fatalf("CSV rows %q, %v", rows, err)
	}
	if rows[1][0] != "'=HYPERLINK(\"x\")" || rows[1][1] != "a,b\n\"c\"|d`e" {
		t.Errorf("CSV cells %q", rows[1][:2])
	}
	md := TableMarkdown(errs)
	if row := strings.Split(md, "\n")[2]; strings.Count(strings.ReplaceAll(row, `\|`, ""), "|") != 3 {
		t.Errorf("a Markdown row with extra cells: %q", strings.Split(md, "\n")[2])
	}
	page := reportHTML(errs, []montage{{model: "m", image: "a#b?c%d.jpg", file: "montage__m__a#b?c%d.png"}}, nil, nil, true, false)
	if !strings.Contains(page, `src="./montage__m__a%23b%3Fc%25d.png"`) {
		t.Errorf("image URL not escaped:\n%s", page)
	}
}

// TestSafeName: names in paths are injective and stay one element inside
// their folder.
func TestSafeName(t *testing.T) {
	seen := map[string]string{}
	for _, n := range []string{"a/b", "a_b", "a%2Fb", "a:b", "a\\b", ".", "..", "", ".hidden", "x.jpg", "x.png", "%", "a\nb"} {
		s := safeName(n)
		if prev, dup := seen[s]; dup {
			t.Errorf("%q and %q both become %q", prev, n, s)
		}
		seen[s] = n
		if strings.ContainsAny(s, "/\\") || s == "." || s == ".." || strings.HasPrefix(s, ".") || filepath.Base(s) != s {
			t.Errorf("%q becomes %q, not one plain path element", n, s)
		}
	}
	if imageKey("photos/x.jpg") == imageKey("photos/x.png") {
		t.Error("x.jpg and x.png share a key")
	}
}

// TestPNGStem: a photo's PNG files take its own name once (no x.png.png),
// and the names of distinct photos stay distinct.
func TestPNGStem(t *testing.T) {
	seen := map[string]string{}
	for _, n := range []string{"chelsea.png", "chelsea.jpg", "chelsea", "chelsea%2Ejpg", "chelsea.jpg.png", ".png", "a.b.png", "a.b"} {
		s := pngStem(n)
		if other, ok := seen[s]; ok {
			t.Fatalf("%q and %q share the stem %q", other, n, s)
		}
		seen[s] = n
	}
	if s := pngStem("chelsea.png"); s != "chelsea" {
		t.Errorf("chelsea.png: stem %q", s)
	}
}

// TestCheckWeights: a model whose every weight holds one value, stored or
// made by ConstantOfShape, is refused; one learnt weight among them, or
// random weights given to the architecture-only AlexNet, pass.
func TestCheckWeights(t *testing.T) {
	tensor := func(vals ...float32) *onnxload.Tensor {
		return &onnxload.Tensor{Dims: []int64{int64(len(vals)), 1, 1, 1}, Float: vals}
	}
	m := &onnxload.Model{
		Initializers: map[string]*onnxload.Tensor{"w1": tensor(0.5, 0.5, 0.5), "shape": {Dims: []int64{4}, Int: []int64{3, 3, 1, 1}, IsInt: true}},
		Nodes: []onnxload.Node{
			{OpType: "Conv", Inputs: []string{"x", "w1"}, Outputs: []string{"a"}},
			{OpType: "ConstantOfShape", Inputs: []string{"shape"}, Outputs: []string{"w2"}},
			{OpType: "Conv", Inputs: []string{"a", "w2"}, Outputs: []string{"b"}},
		},
	}
	var ce *ConstantWeightsError
	if err := CheckWeights(m, "m"); !errors.As(err, &ce) || ce.Weights != 2 {
		t.Fatalf("all weights constant: %v", err)
	}
	m.Initializers["w1"] = tensor(0.5, -0.25, 0.5)
	if err := CheckWeights(m, "m"); err != nil {
		t.Fatalf("one learnt weight: %v", err)
	}
	dir := sharedModels(t)
	if _, err := Open("alexnet-arch", dir, -1); !errors.As(err, &ce) {
		t.Fatalf("alexnet-arch without random weights: %v", err)
	}
	if _, err := Open("alexnet-arch", dir, 1); err != nil {
		t.Fatalf("alexnet-arch with random weights: %v", err)
	}
	if _, err := OpenStructure("alexnet-arch", dir, -1); err != nil {
		t.Fatalf("alexnet-arch for its structure: %v", err)
	}
}
