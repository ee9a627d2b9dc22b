package graph_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/testenv"
)

// TestPreprocessingBitExact: the resize and normalisation reproduce the
// reference input tensors and grey images bit for bit.
func TestPreprocessingBitExact(t *testing.T) {
	refs := filepath.Join(testenv.Shared(t), "refs")
	pngs, _ := filepath.Glob(filepath.Join(refs, "*_rgb.png"))
	if len(pngs) == 0 {
		t.Fatal("no reference images")
	}
	for _, p := range pngs {
		key := filepath.Base(p[:len(p)-len("_rgb.png")])
		im, err := graph.LoadImage(p)
		if err != nil {
			t.Fatal(err)
		}
		x, err := im.ModelTensor(224, 224, graph.ImageNet)
		if err != nil {
			t.Fatal(err)
		}
		want, err := npy.Load(filepath.Join(refs, key+"_input.npy"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x.Shape, want.Shape) {
			t.Fatalf("%s: shape %v, want %v", key, x.Shape, want.Shape)
		}
		for i := range x.Data {
			if x.Data[i] != want.Data[i] {
				t.Fatalf("%s: input[%d] = %v, reference %v", key, i, x.Data[i], want.Data[i])
			}
		}
		g := im.Gray()
		wantG, err := npy.Load(filepath.Join(refs, key+"_gray.npy"))
		if err != nil {
			t.Fatal(err)
		}
		for i := range g.Data {
			if g.Data[i] != wantG.Data[i] {
				t.Fatalf("%s: gray[%d] = %v, reference %v", key, i, g.Data[i], wantG.Data[i])
			}
		}
	}
}
