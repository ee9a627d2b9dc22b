package onnxload

import (
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
)

// TestQuantFixtures: the quantised fixtures of testdata/quant.py (QDQ at
// opsets 10, 13 and 21 with 8- and 16-bit activations, and the dynamic
// form), every node output against onnxruntime's (testdata/quant_ort.sh):
// integer tensors exactly equal, float ones within 1e-5 of max|ort|.
func TestQuantFixtures(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "testdata", "quant", "*"))
	if len(dirs) < 4 {
		t.Fatalf("%d quantised fixtures, want 4", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			m, err := Load(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			x, err := npy.Load(filepath.Join(dir, "input.npy"))
			if err != nil {
				t.Fatal(err)
			}
			refs := readNpz(t, filepath.Join(dir, "refs.npz"))
			types := map[string]string{}
			raw, err := os.ReadFile(filepath.Join(dir, "types.txt"))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				f := strings.Fields(l)
				types[f[0]] = f[1]
			}
			var names []string
			for k := range refs {
				names = append(names, k)
			}
			sort.Strings(names)
			net, err := m.Build(Options{Outputs: names})
			if err != nil {
				t.Fatal(err)
			}
			var live []*graph.Node
			var liveNames []string
			got := map[string]*graph.Tensor{}
			for _, name := range names {
				if c, ok := net.Outputs[name].Constant(); ok {
					got[name] = c
				} else {
					live, liveNames = append(live, net.Outputs[name]), append(liveNames, name)
				}
			}
			p, err := net.Graph.Compile(nil, live...)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if err := p.Run(x); err != nil {
				t.Fatal(err)
			}
			for i, name := range liveNames {
				if got[name], err = p.Output(i); err != nil {
					t.Fatal(err)
				}
			}
			integers := 0
			for _, name := range names {
				ref, g := refs[name], got[name]
				if graph.Numel(ref.Shape) != len(g.Data) {
					t.Fatalf("%s: %d values, onnxruntime %v", name, len(g.Data), ref.Shape)
				}
				exact := types[name] != "float32"
				tol := 1e-5 * math.Max(ref.MaxAbs(), 1e-30)
				if exact {
					integers++
					tol = 0
				}
				for k, v := range ref.Data {
					if d := math.Abs(float64(g.Data[k] - v)); d > tol || math.IsNaN(float64(g.Data[k])) {
						t.Fatalf("%s (%s) [%d] = %g, onnxruntime %g", name, types[name], k, g.Data[k], v)
					}
				}
			}
			if integers == 0 {
				t.Fatal("no integer tensor compared")
			}
		})
	}
}
