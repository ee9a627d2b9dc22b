package zoo

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
)

// TestChannelMaxima: each channel's maximum over the photos, as Features
// gives them one by one; cached beside a writable model's folder, in the
// user's cache for a folder whose mode forbids writing, and read back.
func TestChannelMaxima(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(tmp, "cache"))
	photos := filepath.Join(tmp, "photos")
	os.Mkdir(photos, 0o755)
	paths := writeImages(t, photos)
	in := Input{W: 16, H: 16, Norm: graph.ImageNet}
	rep := fixtureRep("conv")
	want := make([]float64, 4)
	for i := range want {
		want[i] = math.Inf(-1)
	}
	for _, p := range paths {
		im, _ := pixels.Load(p)
		x, _ := in.Tensor(im)
		phi, err := invert.Features(rep, x)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range phi.Data {
			want[i/256] = math.Max(want[i/256], float64(v))
		}
	}
	for _, c := range []struct {
		mode  os.FileMode
		where string
	}{{0o755, ".invrep-stats"}, {0o555, filepath.Join("cache", "invrep", "stats")}} {
		dir := filepath.Join(tmp, "models"+c.mode.String())
		os.Mkdir(dir, 0o755)
		model := filepath.Join(dir, "m.onnx")
		os.WriteFile(model, []byte("model"), 0o644)
		os.Chmod(dir, c.mode)
		var first string
		for round := 0; round < 2; round++ {
			got, path, err := CachedChannelMaxima(model, "conv", "seed 1", rep, photos, in)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(path, c.where) {
				t.Errorf("mode %v: cached at %s, want under %s", c.mode, path, c.where)
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-6*math.Abs(want[i]) {
					t.Fatalf("round %d: maxima %v, want %v", round, got, want)
				}
			}
			if round == 0 {
				first = path
			} else if path != first {
				t.Errorf("the second round read %s, not the cache %s", path, first)
			}
		}
		// Another variant of the model (--random-weights 2) is another
		// cache entry, not seed 1's maxima.
		if _, path, err := CachedChannelMaxima(model, "conv", "seed 2", rep, photos, in); err != nil || path == first {
			t.Errorf("another variant read the cache %s (%v)", path, err)
		}
		os.Chmod(dir, 0o755)
	}
}
