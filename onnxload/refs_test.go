package onnxload

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/testenv"
)

type refFile struct {
	File          string `json:"file"`
	Kind          string `json:"kind"`
	Image         string `json:"image"`
	Model         string `json:"model"`
	ModelFile     string `json:"model_file"`
	Tensor        string `json:"tensor"`
	FullShape     []int  `json:"full_shape"`
	ChannelStart  int    `json:"channel_start"`
	ChannelStride int    `json:"channel_stride"`
}

func refIndex(t *testing.T, shared string) []refFile {
	raw, err := os.ReadFile(filepath.Join(shared, "refs", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Files []refFile `json:"files"`
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	return idx.Files
}

// TestOnnxruntimeReferences runs every model on every reference input and
// compares every dumped tensor with onnxruntime's, to 1e-4 of the
// reference's largest magnitude.
func TestOnnxruntimeReferences(t *testing.T) {
	shared := testenv.Shared(t)
	groups := map[[2]string][]refFile{}
	for _, f := range refIndex(t, shared) {
		if f.Kind == "cnn_activation" {
			k := [2]string{f.ModelFile, f.Image}
			groups[k] = append(groups[k], f)
		}
	}
	if len(groups) == 0 {
		t.Fatal("no CNN references in index.json")
	}
	models := map[string]*Model{}
	checked := 0
	for key, files := range groups {
		m := models[key[0]]
		if m == nil {
			var err error
			if m, err = Load(filepath.Join(shared, "models", key[0])); err != nil {
				t.Fatal(err)
			}
			models[key[0]] = m
		}
		x, err := npy.Load(filepath.Join(shared, "refs", key[1]+"_input.npy"))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range files {
			names = append(names, f.Tensor)
		}
		net, err := m.Build(Options{Outputs: names, InputShape: x.Shape})
		if err != nil {
			t.Fatal(err)
		}
		var outs []*graph.Node
		for _, n := range names {
			outs = append(outs, net.Outputs[n])
		}
		p, err := net.Graph.Compile(nil, outs...)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(x); err != nil {
			t.Fatal(err)
		}
		for i, f := range files {
			got, err := p.Output(i)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := npy.Load(filepath.Join(shared, "refs", f.File))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Shape, f.FullShape) {
				t.Errorf("%s: shape %v, want %v", f.File, got.Shape, f.FullShape)
				continue
			}
			sub := subsampleChannels(got, f.ChannelStart, f.ChannelStride)
			if len(sub.Data) != len(ref.Data) {
				t.Errorf("%s: %d values after channel subsampling, reference has %d", f.File, len(sub.Data), len(ref.Data))
				continue
			}
			worst := 0.0
			for j := range ref.Data {
				worst = math.Max(worst, math.Abs(float64(sub.Data[j]-ref.Data[j])))
			}
			if rel := worst / ref.MaxAbs(); rel > 1e-4 {
				t.Errorf("%s: max|go-ref|/max|ref| = %.3g > 1e-4", f.File, rel)
			} else {
				t.Logf("%s: max|go-ref|/max|ref| = %.2g", strings.TrimSuffix(f.File, ".npy"), rel)
			}
			checked++
		}
		p.Close()
	}
	t.Logf("%d reference tensors checked", checked)
}

// subsampleChannels keeps channels start, start+stride, ... of a 4-D
// tensor; other ranks are returned as they are.
func subsampleChannels(t *graph.Tensor, start, stride int) *graph.Tensor {
	if len(t.Shape) != 4 || stride <= 1 {
		return t
	}
	n, c, sp := t.Shape[0], t.Shape[1], t.Shape[2]*t.Shape[3]
	out := &graph.Tensor{}
	kept := 0
	for b := 0; b < n; b++ {
		for ch := start; ch < c; ch += stride {
			out.Data = append(out.Data, t.Data[(b*c+ch)*sp:(b*c+ch+1)*sp]...)
			if b == 0 {
				kept++
			}
		}
	}
	out.Shape = []int{n, kept, t.Shape[2], t.Shape[3]}
	return out
}
