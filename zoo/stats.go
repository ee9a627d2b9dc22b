package zoo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/invrep/invrep/graph/atomicfile"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
)

// ChannelMaxima is the activation statistic M of the IJCV code's neuron
// visualisations (its get_neuron_stats): each channel's largest value at
// the representation's output over the photos (all positions), the
// representation built once for the input's size.
func ChannelMaxima(rep invert.Representation, photos []*pixels.RGB, in Input) ([]float64, error) {
	if len(photos) == 0 {
		return nil, fmt.Errorf("no photos to take activation statistics from")
	}
	x0, err := in.Tensor(photos[0])
	if err != nil {
		return nil, err
	}
	g, phi, err := rep.Build(x0.Shape)
	if err != nil {
		return nil, err
	}
	p, err := g.Compile(nil, phi)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	s := phi.Shape()
	if len(s) < 2 {
		return nil, fmt.Errorf("features %v have no channel axis", s)
	}
	m := make([]float64, s[1])
	for i := range m {
		m[i] = math.Inf(-1)
	}
	plane := len(m)
	for k, im := range photos {
		x := x0
		if k > 0 {
			if x, err = in.Tensor(im); err != nil {
				return nil, err
			}
		}
		if err := p.Run(x); err != nil {
			return nil, err
		}
		out, err := p.Output(0)
		if err != nil {
			return nil, err
		}
		plane = len(out.Data) / s[1]
		for i, v := range out.Data {
			m[i/plane] = math.Max(m[i/plane], float64(v))
		}
	}
	return m, nil
}

// statsFile is a cached ChannelMaxima.
type statsFile struct {
	Model  string    `json:"model"`
	Layer  string    `json:"layer"`
	Photos []string  `json:"photos"`
	Maxima []float64 `json:"maxima"`
}

// CachedChannelMaxima is ChannelMaxima over the photos of dir, cached: in
// a .invrep-stats folder beside the model where its folder's mode lets the
// owner write, else in the user's cache folder; the key is the model file, the layer, the
// input size, the photos (names, sizes and times) and variant, what else
// changes the model's values (its --random-weights seed, --dequantize).
func CachedChannelMaxima(modelPath, layer, variant string, rep invert.Representation, dir string, in Input) ([]float64, string, error) {
	photos, err := Photos(dir)
	if err != nil {
		return nil, "", err
	}
	if len(photos) == 0 {
		return nil, "", fmt.Errorf("%s: no PNG or JPEG photos", dir)
	}
	h := sha256.New()
	for _, f := range append([]string{modelPath}, photos...) {
		st, err := os.Stat(f)
		if err != nil {
			return nil, "", err
		}
		fmt.Fprintf(h, "%s %d %d\n", filepath.Base(f), st.Size(), st.ModTime().UnixNano())
	}
	fmt.Fprintf(h, "%s %d %d %v %v %q", layer, in.W, in.H, in.Norm.Mean, in.Norm.Std, variant)
	name := safeName(layer) + "-" + hex.EncodeToString(h.Sum(nil))[:16] + ".json"
	var places []string
	// Beside the model where its folder is meant to be written: its mode
	// grants writing (root could write a read-only folder anyway).
	if st, err := os.Stat(filepath.Dir(modelPath)); err == nil && st.Mode().Perm()&0o200 != 0 {
		places = append(places, filepath.Join(filepath.Dir(modelPath), ".invrep-stats"))
	}
	if c, err := os.UserCacheDir(); err == nil {
		places = append(places, filepath.Join(c, "invrep", "stats"))
	}
	for _, p := range places {
		b, err := os.ReadFile(filepath.Join(p, name))
		var sf statsFile
		if err == nil && json.Unmarshal(b, &sf) == nil && len(sf.Maxima) > 0 {
			return sf.Maxima, filepath.Join(p, name), nil
		}
	}
	var ims []*pixels.RGB
	for _, f := range photos {
		im, err := pixels.Load(f)
		if err != nil {
			return nil, "", err
		}
		ims = append(ims, im)
	}
	m, err := ChannelMaxima(rep, ims, in)
	if err != nil {
		return nil, "", err
	}
	sf := statsFile{Model: filepath.Base(modelPath), Layer: layer, Maxima: m}
	for _, f := range photos {
		sf.Photos = append(sf.Photos, filepath.Base(f))
	}
	// The first folder that takes the file keeps it; a cache that cannot be
	// written costs a recomputation next time, not the run.
	for _, p := range places {
		if os.MkdirAll(p, 0o755) != nil {
			continue
		}
		path := filepath.Join(p, name)
		if atomicfile.Write(path, func(w io.Writer) error { return json.NewEncoder(w).Encode(sf) }) == nil {
			return m, path, nil
		}
	}
	return m, "", nil
}
