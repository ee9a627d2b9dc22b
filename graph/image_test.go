package graph

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func sharedDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("INVREP_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "refs", "index.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("../shared is required in CI: %v", err)
		}
		t.Skipf("no ../shared: %v", err)
	}
	return dir
}

// TestPreprocessingBitExact: the resize and normalisation reproduce the
// reference input tensors and grey images bit for bit.
func TestPreprocessingBitExact(t *testing.T) {
	refs := filepath.Join(sharedDir(t), "refs")
	pngs, _ := filepath.Glob(filepath.Join(refs, "*_rgb.png"))
	if len(pngs) == 0 {
		t.Fatal("no reference images")
	}
	for _, p := range pngs {
		key := filepath.Base(p[:len(p)-len("_rgb.png")])
		im, err := LoadImage(p)
		if err != nil {
			t.Fatal(err)
		}
		x, err := im.ModelTensor(224, 224, ImageNet)
		if err != nil {
			t.Fatal(err)
		}
		want, err := LoadNpy(filepath.Join(refs, key+"_input.npy"))
		if err != nil {
			t.Fatal(err)
		}
		if !sameShape(x.Shape, want.Shape) {
			t.Fatalf("%s: shape %v, want %v", key, x.Shape, want.Shape)
		}
		for i := range x.Data {
			if x.Data[i] != want.Data[i] {
				t.Fatalf("%s: input[%d] = %v, reference %v", key, i, x.Data[i], want.Data[i])
			}
		}
		g := im.Gray()
		wantG, err := LoadNpy(filepath.Join(refs, key+"_gray.npy"))
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

// TestWriteFileAtomicStale: a temporary a killed process left behind is
// removed by the next write to the same file; one still being written (or
// of another file) is left alone.
func TestWriteFileAtomicStale(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out[1].npy")
	stale := filepath.Join(dir, tempPrefix("out[1].npy")+"123")
	fresh := filepath.Join(dir, tempPrefix("out[1].npy")+"456")
	other := filepath.Join(dir, tempPrefix("other.npy")+"789")
	for _, p := range []string{stale, fresh, other} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	os.Chtimes(other, old, old)
	if err := SaveNpy(path, NewTensor(2)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary is still there: %v", err)
	}
	for _, p := range []string{fresh, other, path} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
