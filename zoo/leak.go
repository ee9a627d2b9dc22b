package zoo

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/invrep/invrep/graph/atomicfile"
	"github.com/invrep/invrep/graph/fidelity"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
)

// The leakage curve: how much of a photo each layer of a model gives back
// to an attacker who inverts it (the split-inference question), layer by
// layer: the mean and spread over photos of the image metrics and of the
// feature-space error, against depth. Two baselines bound it: the
// inversion's start image (noise; nothing leaked) and the original blurred
// at the layer's receptive-field stride (what its resolution alone allows).

// LeakRow is one layer of one model.
type LeakRow struct {
	Model, Layer  string
	Depth         float64
	Stride        int
	Photos        int
	PSNR, PSNRStd float64 // dB, over photos
	SSIM, SSIMStd float64
	// NPhi is the paper's normalised error (percent, mean and std over
	// photos), NaN with fewer than 2 photos.
	NPhi, NPhiStd float64
	// BlurPSNR and BlurSSIM are the original downsampled by Stride and
	// upsampled back (bilinear), against itself: the baseline of the
	// layer's resolution.
	BlurPSNR, BlurSSIM float64
}

// LeakCurve is a model's rows, by depth, and its noise baseline.
type LeakCurve struct {
	Model                string
	Rows                 []LeakRow
	NoisePSNR, NoiseSSIM float64
}

// Leakage computes the curve of one sweep folder (one model; a sweep of
// several layers over several photos), the strides by layer from the
// model's receptive fields, and the inversion's start image for the
// noise baseline (invert.NoiseInit at seed, shown with the model's
// normalisation mean).
func Leakage(dir string, strides map[string]int, seed int64, mean []float64) (*LeakCurve, error) {
	results, err := ReadResults(dir)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("%s: no results", dir)
	}
	errs, err := LayerErrors(results)
	if err != nil {
		return nil, err
	}
	c := &LeakCurve{Model: results[0].Model}
	origs := map[string]fidelity.Image{}
	var noiseP, noiseS []float64
	for _, r := range results {
		if _, ok := origs[r.Original]; ok || r.Original == "" {
			continue
		}
		im, err := pixels.Load(filepath.Join(dir, filepath.FromSlash(r.Original)))
		if err != nil {
			return nil, err
		}
		o := fidelity.FromRGB(im.W, im.H, im.Pix)
		origs[r.Original] = o
		// The start image as the inversion shows it: the noise in paper
		// units, the model's normalisation mean added back.
		start := invert.NoiseInit([]int{1, 3, im.H, im.W}, seed)
		img, err := pixels.FromPaper(start, 0, mean)
		if err != nil {
			return nil, err
		}
		n := asFidelity(img)
		p, _ := fidelity.PSNR(o, n, 255)
		noiseP = append(noiseP, p)
		if s, err := fidelity.SSIM(o, n, 255); err == nil {
			noiseS = append(noiseS, s)
		}
	}
	c.NoisePSNR, _ = meanStd(noiseP)
	c.NoiseSSIM, _ = meanStd(noiseS)
	for _, e := range errs {
		row := LeakRow{Model: e.Model, Layer: e.Layer, Depth: e.Depth, Stride: max(strides[e.Layer], 1), Photos: e.Images,
			PSNR: e.Image.PSNR, PSNRStd: e.Image.PSNRStd, SSIM: e.Image.SSIM, SSIMStd: e.Image.SSIMStd, NPhi: e.Mean, NPhiStd: e.Std}
		var bp, bs []float64
		for _, r := range e.Runs {
			o, ok := origs[r.Original]
			if !ok {
				continue
			}
			blur := blurred(o, row.Stride)
			p, _ := fidelity.PSNR(o, blur, 255)
			bp = append(bp, math.Min(p, MaxPSNR))
			if s, err := fidelity.SSIM(o, blur, 255); err == nil {
				bs = append(bs, s)
			}
		}
		row.BlurPSNR, _ = meanStd(bp)
		row.BlurSSIM, _ = meanStd(bs)
		c.Rows = append(c.Rows, row)
	}
	sort.SliceStable(c.Rows, func(i, j int) bool { return c.Rows[i].Depth < c.Rows[j].Depth })
	return c, nil
}

// blurred is im downsampled by stride (bilinear) and upsampled back.
func blurred(im fidelity.Image, stride int) fidelity.Image {
	if stride <= 1 {
		return im
	}
	rgb := &pixels.RGB{W: im.W, H: im.H, Pix: make([]uint8, 3*im.W*im.H)}
	for i := 0; i < im.W*im.H; i++ {
		for c := 0; c < 3; c++ {
			rgb.Pix[3*i+c] = uint8(im.Pix[c*im.W*im.H+i])
		}
	}
	small := rgb.Resized(max(im.W/stride, 1), max(im.H/stride, 1))
	back := small.Resized(im.W, im.H)
	return fidelity.FromRGB(back.W, back.H, back.Pix)
}

// LeakCSV is the curves' rows, one per model and layer, then each
// model's noise baseline as a row with layer "(start image)".
func LeakCSV(curves []*LeakCurve) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"model", "layer", "relative_depth", "stride", "photos", "mean_psnr_db", "std_psnr_db", "mean_ssim", "std_ssim",
		"mean_error_pct", "std_error_pct", "blur_psnr_db", "blur_ssim"})
	f := func(v float64) string { return fmt.Sprintf("%.4f", v) }
	for _, c := range curves {
		for _, r := range c.Rows {
			w.Write([]string{safeCell(r.Model), safeCell(r.Layer), f(r.Depth), fmt.Sprint(r.Stride), fmt.Sprint(r.Photos),
				f(r.PSNR), f(r.PSNRStd), f(r.SSIM), f(r.SSIMStd), f(r.NPhi), f(r.NPhiStd), f(r.BlurPSNR), f(r.BlurSSIM)})
		}
		w.Write([]string{safeCell(c.Model), "(start image)", "", "", "", f(c.NoisePSNR), "", f(c.NoiseSSIM), "", "", "", "", ""})
	}
	w.Flush()
	return b.String()
}

// PlotLeak draws one metric ("psnr" or "ssim") against depth: a line per
// model with a band of ± one standard deviation over photos, the blurred
// original's baseline dashed, the start image's dotted.
func PlotLeak(curves []*LeakCurve, metric, path string) error {
	p := plot.New()
	p.X.Label.Text = "relative depth of the layer"
	p.X.Min, p.X.Max = 0, 1
	switch metric {
	case "psnr":
		p.Title.Text = "What a layer gives back: PSNR of the reconstruction"
		p.Y.Label.Text = "PSNR (dB) against the original"
	case "ssim":
		p.Title.Text = "What a layer gives back: SSIM of the reconstruction"
		p.Y.Label.Text = "SSIM against the original"
	default:
		return fmt.Errorf("unknown metric %q", metric)
	}
	pick := func(r LeakRow) (v, sd, blur float64) {
		if metric == "psnr" {
			return r.PSNR, r.PSNRStd, r.BlurPSNR
		}
		return r.SSIM, r.SSIMStd, r.BlurSSIM
	}
	for i, c := range curves {
		var mean, lo, hi, blur plotter.XYs
		for _, r := range c.Rows {
			v, sd, bl := pick(r)
			if math.IsNaN(v) {
				continue
			}
			if math.IsNaN(sd) {
				sd = 0
			}
			mean = append(mean, plotter.XY{X: r.Depth, Y: v})
			lo, hi = append(lo, plotter.XY{X: r.Depth, Y: v - sd}), append(hi, plotter.XY{X: r.Depth, Y: v + sd})
			blur = append(blur, plotter.XY{X: r.Depth, Y: bl})
		}
		if len(mean) == 0 {
			continue
		}
		col := plotutil.Color(i)
		rgba := color.RGBAModel.Convert(col).(color.RGBA)
		band := append(append(plotter.XYs(nil), lo...), reversed(hi)...)
		if poly, err := plotter.NewPolygon(band); err == nil {
			poly.Color = color.NRGBA{rgba.R, rgba.G, rgba.B, 60}
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		line, points, err := plotter.NewLinePoints(mean)
		if err != nil {
			return err
		}
		line.Color, points.Color, points.Shape = col, col, plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(c.Model, line, points)
		if bl, err := plotter.NewLine(blur); err == nil && !math.IsNaN(blur[0].Y) {
			bl.Color = col
			bl.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(bl)
			p.Legend.Add(c.Model+": original blurred at the layer's stride", bl)
		}
		noise := c.NoisePSNR
		if metric == "ssim" {
			noise = c.NoiseSSIM
		}
		if nl, err := plotter.NewLine(plotter.XYs{{X: 0, Y: noise}, {X: 1, Y: noise}}); err == nil && !math.IsNaN(noise) {
			nl.Color = col
			nl.Dashes = []vg.Length{vg.Points(1), vg.Points(3)}
			p.Add(nl)
			p.Legend.Add(c.Model+": start image (noise)", nl)
		}
	}
	p.Legend.Top = true
	wt, err := p.WriterTo(7*vg.Inch, 4.5*vg.Inch, "png")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { _, err := wt.WriteTo(w); return err })
}

func reversed(v plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(v))
	for i, p := range v {
		out[len(v)-1-i] = p
	}
	return out
}
