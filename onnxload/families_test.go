package onnxload

import (
	"archive/zip"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
)

// readNpz reads every array of an .npz file (numpy's zip of .npy files).
func readNpz(t testing.TB, path string) map[string]*graph.Tensor {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	out := map[string]*graph.Tensor{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		a, err := npy.Read(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %s: %v", path, f.Name, err)
		}
		out[strings.TrimSuffix(f.Name, ".npy")] = a
	}
	return out
}

// bundleReport is what checkBundle measured on one exported model.
type bundleReport struct {
	ops      int
	load     time.Duration
	worst    float64 // max over nodes of max|go−ort| / max|ort|
	worstAt  string
	gradDiff float64 // max|go−torch| / max|torch| of the input gradient
	gradL2   float64 // ‖go−torch‖ / ‖torch‖
	checked  int
}

// checkBundle compares every node output of a bundle's model with
// onnxruntime's (1e-4 of max|ort| or of its inputs' magnitude, where it cancels), and the input gradient of
// sum(logits·w) with PyTorch's.
func checkBundle(t *testing.T, dir string) bundleReport {
	t.Helper()
	var rep bundleReport
	start := time.Now()
	m, err := Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := npy.Load(filepath.Join(dir, "input.npy"))
	if err != nil {
		t.Fatal(err)
	}
	refs := readNpz(t, filepath.Join(dir, "refs.npz"))
	var names []string
	for k := range refs {
		names = append(names, k)
	}
	sort.Strings(names)
	net, err := m.Build(Options{Outputs: names, InputShape: x.Shape})
	if err != nil {
		t.Fatal(err)
	}
	rep.load = time.Since(start)
	seen := map[string]bool{}
	for _, n := range m.Nodes {
		if !seen[n.OpType] {
			seen[n.OpType] = true
			rep.ops++
		}
	}
	outs := make([]*graph.Node, len(names))
	for i, n := range names {
		outs[i] = net.Outputs[n]
	}
	p, err := net.Graph.Compile(nil, outs...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	// A value that cancels to nearly 0 (the mean of standardised data) is
	// measured against the magnitude of the values it is computed from.
	producer := map[string]*Node{}
	for i := range m.Nodes {
		for _, o := range m.Nodes[i].Outputs {
			producer[o] = &m.Nodes[i]
		}
	}
	scaleOf := func(name string) float64 {
		s := refs[name].MaxAbs()
		if n := producer[name]; n != nil {
			for _, in := range n.Inputs {
				if r, ok := refs[in]; ok {
					s = math.Max(s, r.MaxAbs())
				}
			}
		}
		return math.Max(s, 1e-30)
	}
	for i, name := range names {
		got, err := p.Output(i)
		if err != nil {
			t.Fatal(err)
		}
		ref := refs[name]
		if len(got.Data) != len(ref.Data) || (len(ref.Shape) > 0 && !slices.Equal(got.Shape, ref.Shape)) {
			t.Errorf("%s: %s: shape %v, onnxruntime %v", dir, name, got.Shape, ref.Shape)
			continue
		}
		worst := 0.0
		for j := range ref.Data {
			worst = math.Max(worst, math.Abs(float64(got.Data[j]-ref.Data[j])))
		}
		rel := worst / scaleOf(name)
		if worst == 0 {
			rel = 0
		}
		if rel > rep.worst || math.IsNaN(rel) {
			rep.worst, rep.worstAt = rel, name
		}
		if rel > 1e-4 || math.IsNaN(rel) {
			t.Errorf("%s: %s: max|go-ort|/scale = %.3g > 1e-4", dir, name, rel)
		}
		rep.checked++
	}
	if _, err := os.Stat(filepath.Join(dir, "grad.npy")); err == nil {
		rep.gradDiff, rep.gradL2 = checkBundleGrad(t, dir, m, x, refs)
	}
	return rep
}

// checkBundleGrad builds the model to its output alone, so that the
// exporters' LayerNorm and GELU chains are fused (fuse.go), and checks the
// output against onnxruntime's and the input gradient against PyTorch's.
func checkBundleGrad(t *testing.T, dir string, m *Model, x *graph.Tensor, refs map[string]*graph.Tensor) (maxRel, l2 float64) {
	w, err := npy.Load(filepath.Join(dir, "weight.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := npy.Load(filepath.Join(dir, "grad.npy"))
	if err != nil {
		t.Fatal(err)
	}
	net, err := m.Build(Options{InputShape: x.Shape})
	if err != nil {
		t.Fatal(err)
	}
	y := net.Outputs[m.Outputs[0]]
	loss, err := graph.Dot(y, w)
	if err != nil {
		t.Fatal(err)
	}
	p, err := net.Graph.Compile(loss, y)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	got, err := p.InputGrad()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range net.Layers {
		if l.OpType == "Erf" || l.OpType == "Sqrt" {
			t.Errorf("%s: %s was built: a GELU or LayerNorm chain was not fused", dir, l.Name)
			break
		}
	}
	if ref := refs[m.Outputs[0]]; ref != nil {
		out, err := p.Output(0)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := range ref.Data {
			worst = math.Max(worst, math.Abs(float64(out.Data[i]-ref.Data[i])))
		}
		if rel := worst / ref.MaxAbs(); rel > 1e-4 || math.IsNaN(rel) {
			t.Errorf("%s: %s with fused chains: max|go-ort|/max|ort| = %.3g > 1e-4", dir, m.Outputs[0], rel)
		}
	}
	dependsOnInput(t, dir, p, x)
	worst, diff2, ref2 := 0.0, 0.0, 0.0
	for i := range want.Data {
		d := float64(got.Data[i] - want.Data[i])
		worst = math.Max(worst, math.Abs(d))
		diff2 += d * d
		ref2 += float64(want.Data[i]) * float64(want.Data[i])
	}
	rel, relL2 := worst/want.MaxAbs(), math.Sqrt(diff2/ref2)
	// A piecewise-linear network's gradient jumps where a ReLU's input
	// crosses 0 or a pooling window's largest values tie: under an input
	// change of 1e-6, MNASNet's moves by 11% of its largest value and
	// MobileNetV2's by 3%, AlexNet's by 0.6% under 1e-5. The last-bit
	// differences of two float32 forward passes move it as much, so such a
	// model agrees in norm, not everywhere. Smooth ones (GELU, SiLU)
	// agree to ~1e-6 everywhere.
	if !(relL2 <= 0.05) || (rel > 1e-3 && !piecewise(m)) {
		t.Errorf("%s: input gradient: max|go-torch|/max|torch| = %.3g, relative L2 %.3g", dir, rel, relL2)
	}
	return rel, relL2
}

// piecewise reports whether a model has ops whose gradient jumps: ReLU
// and its relatives, max pooling.
func piecewise(m *Model) bool {
	for _, n := range m.Nodes {
		switch n.OpType {
		case "Relu", "Clip", "LeakyRelu", "PRelu", "HardSigmoid", "HardSwish", "MaxPool", "GlobalMaxPool", "ReduceMax":
			return true
		}
	}
	return false
}

// TestFamilies checks the project's tiny exports of modern families (ViT,
// Swin, ConvNeXt, MobileNetV3, ShuffleNetV2 at opsets 11–21; made by
// testdata/families.py and families_ort.sh) against onnxruntime and PyTorch.
func TestFamilies(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "testdata", "families", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures in testdata/families: %v", err)
	}
	for _, d := range dirs {
		t.Run(filepath.Base(d), func(t *testing.T) {
			r := checkBundle(t, d)
			t.Logf("%d ops, %d nodes checked, worst %.2g at %s, input gradient %.2g", r.ops, r.checked, r.worst, r.worstAt, r.gradDiff)
		})
	}
}

// TestExportedModels checks full-size exports (testdata/tv_export.py
// --bundle) when INVREP_BUNDLES names their folder; it prints the README's
// model table rows.
func TestExportedModels(t *testing.T) {
	root := os.Getenv("INVREP_BUNDLES")
	if root == "" {
		t.Skip("INVREP_BUNDLES is not set")
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "*"))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "refs.npz")); err != nil {
			continue
		}
		t.Run(filepath.Base(d), func(t *testing.T) {
			r := checkBundle(t, d)
			t.Logf("| %s | %d | %.2f s | %.1e | %.1e (L2 %.1e) |", filepath.Base(d), r.ops, r.load.Seconds(), r.worst, r.gradDiff, r.gradL2)
		})
	}
}

// dependsOnInput checks that the weights are not near-trivial: the output
// for the photo mirrored differs from the output for the photo by more
// than 1% of the output's spread about its mean (log-probabilities share a
// large constant), as a trained network's would. It leaves p run at x.
func dependsOnInput(t *testing.T, dir string, p *graph.Program, x *graph.Tensor) {
	t.Helper()
	a, err := p.Output(0)
	if err != nil {
		t.Fatal(err)
	}
	a = a.Clone()
	mirrored := x.Clone()
	w := x.Shape[len(x.Shape)-1]
	for row := 0; row < len(x.Data)/w; row++ {
		for c := 0; c < w; c++ {
			mirrored.Data[row*w+c] = x.Data[row*w+w-1-c]
		}
	}
	if err := p.Run(mirrored); err != nil {
		t.Fatal(err)
	}
	b, err := p.Output(0)
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for _, v := range a.Data {
		mean += float64(v) / float64(len(a.Data))
	}
	d2, a2 := 0.0, 0.0
	for i := range a.Data {
		d := float64(a.Data[i] - b.Data[i])
		d2 += d * d
		a2 += (float64(a.Data[i]) - mean) * (float64(a.Data[i]) - mean)
	}
	if rel := math.Sqrt(d2 / a2); !(rel > 0.01) {
		t.Errorf("%s: the output for the mirrored photo differs by %.2g only: the weights are near-trivial", dir, rel)
	}
	if err := p.Run(x); err != nil {
		t.Fatal(err)
	}
}
