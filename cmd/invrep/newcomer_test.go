package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph/testenv"
	"github.com/invrep/invrep/onnxload"
	"github.com/invrep/invrep/zoo"
)

// constantModel is tinyModel with every weight one value: an
// architecture-only graph.
func constantModel(t *testing.T, dir string) string {
	t.Helper()
	w := &onnxload.Tensor{Dims: []int64{4, 3, 3, 3}}
	for i := 0; i < 108; i++ {
		w.Float = append(w.Float, 0.1)
	}
	m := &onnxload.Model{Opset: 13, Initializers: map[string]*onnxload.Tensor{"w": w},
		Inputs: []onnxload.ValueInfo{{Name: "data", Dims: []int64{1, 3, 8, 8}, Params: []string{"", "", "", ""}, ElemType: 1}},
		Nodes: []onnxload.Node{
			{Name: "conv", OpType: "Conv", Inputs: []string{"data", "w"}, Outputs: []string{"conv_out"}, Attrs: map[string]any{"pads": []int64{1, 1, 1, 1}}},
			{Name: "relu", OpType: "Relu", Inputs: []string{"conv_out"}, Outputs: []string{"relu_out"}},
		},
		Outputs: []string{"relu_out"}}
	return writeModel(t, dir, "constant.onnx", m)
}

// TestConstantWeightsRefused: every command that computes with a model
// refuses one of constant weights, naming --random-weights, and writes
// nothing; 'layers' lists it with a note; --random-weights makes it run.
func TestConstantWeightsRefused(t *testing.T) {
	dir := t.TempDir()
	model, img := constantModel(t, dir), tinyImage(t, dir)
	imgs := filepath.Join(dir, "imgs")
	os.Mkdir(imgs, 0o755)
	writePNG(t, filepath.Join(imgs, "a.png"), 12, 12)
	out := filepath.Join(dir, "out")
	common := []string{"--model", model, "--quiet"}
	for _, args := range [][]string{
		{"invert", "--layer", "relu_out", "--image", img, "--out", out + ".png", "--iters", "3"},
		{"features", "--layer", "relu_out", "--image", img, "--out", out + ".npy"},
		{"caricature", "--layer", "relu_out", "--image", img, "--out", out + ".png", "--iters", "3"},
		{"maximize", "--layer", "relu_out", "--channel", "0", "--out", out + ".png", "--iters", "3"},
		{"visualize", "--objective", "relu_out:0", "--out", out + ".png", "--steps", "2"},
		{"sweep", "--layers", "relu_out", "--images", imgs, "--out", out, "--iters", "3"},
	} {
		args = append(args, common...)
		if args[0] == "features" {
			args = args[:len(args)-1] // features has no --quiet
		}
		r := invrep(t, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "--random-weights") || !strings.Contains(r.stderr, "constant") {
			t.Errorf("%s: exit %d, %s", args[0], r.code, r.stderr)
		}
		for _, p := range []string{out, out + ".png", out + ".npy"} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s: %s written", args[0], p)
			}
		}
	}
	r := invrep(t, "layers", "--model", model)
	if r.code != 0 || !strings.Contains(r.stdout, "relu_out") || !strings.Contains(r.stdout, "note: ") || !strings.Contains(r.stdout, "--random-weights") {
		t.Errorf("layers: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	r = invrep(t, "invert", "--model", model, "--random-weights", "1", "--layer", "relu_out", "--image", img, "--out", out+".png", "--iters", "3", "--quiet")
	if r.code != 0 {
		t.Errorf("invert --random-weights 1: exit %d, %s", r.code, r.stderr)
	}
}

// TestSuggestions: unknown commands and flags get the closest name, a long
// flag with one dash is told it needs two, and a model name that is not
// near any zoo name gets no unrelated suggestion.
func TestSuggestions(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	for _, c := range []struct {
		args []string
		code int
		want string
		not  string
	}{
		{[]string{"inver"}, 2, "did you mean 'invert'?", ""},
		{[]string{"invert", "--iter", "3"}, 2, "did you mean --iters?", ""},
		{[]string{"layers", "-model", model}, 2, "flags take two dashes, --model", ""},
		{[]string{"layers", "-modle", model}, 2, "did you mean --model?", ""},
		{[]string{"zoo", "lst"}, 2, "did you mean 'invrep zoo list'?", ""},
		{[]string{"layers", "--model", filepath.Join(dir, "nope.onnx")}, 1, "no such file", "did you mean"},
		{[]string{"layers", "--model", "nope.onnx"}, 1, "no such file", "did you mean"},
		{[]string{"layers", "--model", "squeezenet1.2"}, 1, "did you mean squeezenet1.0 or squeezenet1.1", ""},
		{[]string{"version", "--help"}, 0, "", ""},
		{[]string{"maximize", "--model", model, "--layer", "relu_out", "--class", "coffe mug", "--out", filepath.Join(dir, "m.png")}, 2, `closest: "coffee mug" (504) (list them with 'invrep zoo classes MODEL')`, ""},
	} {
		r := invrep(t, c.args...)
		all := r.stdout + r.stderr
		if r.code != c.code || !strings.Contains(all, c.want) || (c.not != "" && strings.Contains(all, c.not)) {
			t.Errorf("%v: exit %d (want %d), %q (want %q, not %q)", c.args, r.code, c.code, all, c.want, c.not)
		}
	}
	if r := invrep(t, "version", "--help"); !strings.HasPrefix(r.stdout, "Usage: invrep version") || strings.Contains(r.stdout, "commit") && strings.Contains(r.stdout, "vector paths in use:") {
		t.Errorf("version --help printed %q", r.stdout)
	}
}

// TestExitCodes: one rule. A name the model does not have (layer, channel,
// class) is a usage error, 2, as a malformed flag is; a file that is not
// there or not a model is a failure, 1.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	model, img := tinyModel(t, dir), tinyImage(t, dir)
	out := filepath.Join(dir, "o.png")
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"class with a typo", []string{"maximize", "--model", model, "--layer", "relu_out", "--class", "coffe mug", "--out", out, "--iters", "3"}, 2},
		{"unknown layer", []string{"invert", "--model", model, "--layer", "nope", "--image", img, "--out", out}, 2},
		{"channels beyond the layer", []string{"invert", "--model", model, "--layer", "relu_out", "--channels", "0:99", "--image", img, "--out", out, "--iters", "3"}, 2},
		{"channel beyond the layer", []string{"maximize", "--model", model, "--layer", "relu_out", "--channel", "99", "--out", out, "--iters", "3"}, 2},
		{"unknown class", []string{"maximize", "--model", model, "--layer", "relu_out", "--class", "coffe mug", "--out", out, "--iters", "3"}, 2},
		{"malformed flag", []string{"invert", "--model", model, "--layer", "relu_out", "--iters", "x"}, 2},
		{"missing model file", []string{"layers", "--model", filepath.Join(dir, "absent.onnx")}, 1},
		{"missing photo", []string{"invert", "--model", model, "--layer", "relu_out", "--image", filepath.Join(dir, "absent.png"), "--out", out}, 1},
	} {
		if r := invrep(t, c.args...); r.code != c.code {
			t.Errorf("%s: exit %d, want %d: %s", c.name, r.code, c.code, r.stderr)
		}
	}
}

// TestZooAnywhere: from an empty folder, with no models folder yet,
// 'zoo list' lists every known model with size, licence and source; 'zoo
// fetch' takes a model from a local server into the user cache, after
// which the name works; a corrupted copy is refused; 'zoo classes' lists
// class names.
func TestZooAnywhere(t *testing.T) {
	shared := testenv.Shared(t)
	home := t.TempDir()
	work := t.TempDir()
	env := append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME=", "INVREP_MODELS=", zoo.MirrorEnv+"=")
	run := func(args ...string) result { return invrepIn(t, work, env, args...) }
	r := run("zoo", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "does not exist yet") {
		t.Fatalf("zoo list: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	for _, m := range zoo.Registry {
		if !strings.Contains(r.stdout, m.Name+" ") {
			t.Errorf("zoo list lacks %s", m.Name)
		}
	}
	if !strings.Contains(r.stdout, "4.9 MB") || !strings.Contains(r.stdout, "Apache-2.0") || !strings.Contains(r.stdout, "https://github.com/onnx/models/") {
		t.Errorf("zoo list lacks sizes, licences or addresses:\n%s", r.stdout)
	}
	good, _ := os.ReadFile(filepath.Join(shared, "models", "squeezenet1.1.onnx"))
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0xff
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad.onnx" {
			w.Write(bad)
			return
		}
		w.Write(good)
	}))
	defer ts.Close()
	r = run("zoo", "fetch", "squeezenet1.1", "--from", ts.URL+"/bad.onnx")
	cache := filepath.Join(home, ".cache", "invrep", "models")
	if r.code != 1 || !strings.Contains(r.stderr, "SHA-256") {
		t.Fatalf("corrupted fetch: exit %d, %s", r.code, r.stderr)
	}
	if files, _ := os.ReadDir(cache); len(files) != 0 {
		t.Fatalf("a corrupted fetch left %v", files)
	}
	r = run("zoo", "fetch", "squeezenet1.1", "--from", ts.URL+"/squeezenet1.1.onnx")
	if r.code != 0 || !strings.Contains(r.stdout, "matches the registry") {
		t.Fatalf("zoo fetch: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	r = run("layers", "--model", "squeezenet1.1")
	if r.code != 0 || !strings.Contains(r.stdout, "fire3") {
		t.Fatalf("layers of the fetched model: exit %d, %s", r.code, r.stderr)
	}
	r = run("zoo", "list")
	if !strings.Contains(r.stdout, fmt.Sprintf("models in %s", cache)) || !strings.Contains(r.stdout, "squeezenet1.1         yes") {
		t.Errorf("zoo list after the fetch:\n%s", r.stdout)
	}
	r = run("zoo", "classes", "squeezenet1.1", "--grep", "coffee mug")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "504\tcoffee mug" {
		t.Errorf("zoo classes: %q %s", r.stdout, r.stderr)
	}
	r = run("zoo", "classes", "squeezenet1.0-tflite", "--grep", "coffee mug")
	if strings.TrimSpace(r.stdout) != "505\tcoffee mug" {
		t.Errorf("zoo classes of the 1001-class model: %q", r.stdout)
	}
}

// TestLayerNames: hints are distinct and near; a PyTorch path on a model
// without module paths is not matched by spelling to another layer;
// --modules there says so and lists the node outputs; layers shows zoo
// aliases; a grey-input model is flagged before invert refuses it.
func TestLayerNames(t *testing.T) {
	testenv.Shared(t)
	img := tinyImage(t, t.TempDir())
	r := invrep(t, "invert", "--model", "squeezenet1.1", "--layer", "features.7", "--image", img, "--out", filepath.Join(t.TempDir(), "x.png"))
	if r.code != 2 || strings.Contains(r.stderr, "fire7") || !strings.Contains(r.stderr, "module path") || strings.Contains(r.stderr, "--modules") {
		t.Errorf("features.7: exit %d, %s", r.code, r.stderr)
	}
	r = invrep(t, "invert", "--model", "squeezenet1.1", "--layer", "fire", "--image", img, "--out", filepath.Join(t.TempDir(), "x.png"))
	_, hint, _ := strings.Cut(r.stderr, "closest: ")
	hint, _, _ = strings.Cut(hint, " (")
	names := strings.Split(hint, ", ")
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("hint repeats %s: %s", n, r.stderr)
		}
		seen[n] = true
	}
	if len(names) == 0 || !strings.HasPrefix(names[0], "fire") {
		t.Errorf("hint for fire: %s", r.stderr)
	}
	r = invrep(t, "layers", "--model", "squeezenet1.1", "--modules")
	if r.code != 0 || !strings.Contains(r.stdout, "carries no module paths") || !strings.Contains(r.stdout, "fire3") {
		t.Errorf("--modules without scopes: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	r = invrep(t, "layers", "--model", "alexnet-arch")
	if !strings.Contains(r.stdout, "= mpool5, pool5") || !strings.Contains(r.stdout, "= fc8") {
		t.Errorf("layers shows no aliases:\n%s", r.stdout)
	}
	r = invrep(t, "layers", "--model", "mnist-8")
	if r.code != 0 || !strings.Contains(r.stdout, "not RGB") {
		t.Errorf("layers of a grey model: %s", r.stdout)
	}
}

// TestOutputFolderMade: an output's missing folder is made, as out/ in the
// README's tour, and the built-in photos are written by 'samples'.
func TestOutputFolderMade(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	r := invrep(t, "samples", "--out", filepath.Join(dir, "photos"))
	if r.code != 0 {
		t.Fatalf("samples: %s", r.stderr)
	}
	out := filepath.Join(dir, "out", "deeper", "x.png")
	r = invrep(t, "invert", "--model", model, "--layer", "relu_out", "--image", filepath.Join(dir, "photos", "coffee.png"), "--out", out, "--iters", "3", "--quiet")
	if r.code != 0 {
		t.Fatalf("invert into a new folder: %s", r.stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

// TestSweepRerunOtherSettings: the newcomer's first report. A sweep, then
// the same sweep with other iterations and then another seed into the same
// folder, then one with two weights: no picture is shared, the report's
// rows count two photos each, says the folder mixes settings, and draws one
// labelled montage per photo and setting (two for the two weights); a
// one-photo report says why it has no plot.
func TestSweepRerunOtherSettings(t *testing.T) {
	dir, model, imgs := sweepFixture(t)
	sw := filepath.Join(dir, "sweep")
	base := []string{"sweep", "--model", model, "--images", imgs, "--out", sw, "--size", "16", "--quiet"}
	for _, extra := range [][]string{
		{"--layers", "conv_out,pool_out", "--iters", "5"},
		{"--layers", "conv_out", "--iters", "6"},
		{"--layers", "conv_out", "--iters", "5", "--seed", "2"},
		{"--layers", "pool_out", "--iters", "5", "--seed", "3", "--tv", "1,100"},
	} {
		if r := invrep(t, append(base, extra...)...); r.code != 0 {
			t.Fatalf("sweep %v: %s", extra, r.stderr)
		}
	}
	rs, err := zoo.ReadResults(sw)
	if err != nil || len(rs) != 4+2+2+4 {
		t.Fatalf("%d results, %v", len(rs), err)
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.PNG] {
			t.Fatalf("two runs share %s", r.PNG)
		}
		seen[r.PNG] = true
	}
	rep := filepath.Join(dir, "report")
	r := invrep(t, "report", "--in", sw, "--out", rep)
	if r.code != 0 || !strings.Contains(r.stdout, "note: these results mix 4 settings") {
		t.Fatalf("report: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	table, _ := os.ReadFile(filepath.Join(rep, "table.csv"))
	rows := strings.Split(strings.TrimSpace(string(table)), "\n")[1:]
	if len(rows) != 6 { // conv and pool at 5 iterations, conv at 6 and at seed 2, pool at λ 1 and 100
		t.Fatalf("%d table rows, want 6:\n%s", len(rows), table)
	}
	for _, row := range rows {
		if f := strings.Split(row, ","); f[7] != "2" {
			t.Errorf("a row counts %s images for 2 photos: %s", f[7], row)
		}
	}
	montages, _ := filepath.Glob(filepath.Join(rep, "montage__*.png"))
	if len(montages) != 2*5 { // 2 photos × (3 settings + 2 weights of the fourth)
		t.Errorf("%d montages, want 10: %v", len(montages), montages)
	}
	page, _ := os.ReadFile(filepath.Join(rep, "index.html"))
	for _, want := range []string{"CVPR, λ 1, 5 iterations, seed 3", "CVPR, λ 100, 5 iterations, seed 3", "6 iterations, seed 1"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("index.html has no montage titled %q", want)
		}
	}
	one := filepath.Join(dir, "one")
	os.Mkdir(one, 0o755)
	writePNG(t, filepath.Join(one, "a.png"), 20, 16)
	if r := invrep(t, "sweep", "--model", model, "--images", one, "--out", filepath.Join(dir, "sw1"), "--size", "16", "--quiet", "--layers", "conv_out", "--iters", "4"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r = invrep(t, "report", "--in", filepath.Join(dir, "sw1"), "--out", filepath.Join(dir, "rep1"))
	if r.code != 0 || !strings.Contains(r.stdout, "needs at least two photos") {
		t.Errorf("one-photo report: %s %s", r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "rep1", "error_vs_depth.png")); err == nil {
		t.Error("one-photo report drew a plot")
	}
}
