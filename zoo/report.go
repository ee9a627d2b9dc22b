package zoo

import (
	"encoding/csv"
	"fmt"
	"html"
	"image"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/atomicfile"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/invert"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// LayerError is the paper's normalised error at one layer (SPEC §5.1):
// ‖Φ(x*) − Φ(x_i)‖²/N_Φ in percent, N_Φ the mean of ‖Φ(x_i) − Φ(x_j)‖² over
// all ordered pairs of the sweep's images, diagonal included.
type LayerError struct {
	Model      string
	Layer      string
	LayerIndex int
	Depth      float64
	TV         float64
	// C is the loss weight of IJCV runs (0 for the CVPR method).
	C float64
	// Setting is the rest of what the row's runs share.
	Setting   Setting
	Mean, Std float64 // percent; NaN with fewer than 2 images
	Images    int
	// Kept is how many classified runs kept the original's top-1 class,
	// of Classified (SPEC §5.5's classification consistency).
	Kept, Classified int
	// Spread is the standard deviation of the relative error across a
	// run's repeats, averaged over the runs that had several (NaN where
	// none had).
	Spread float64
	// Image is the image-space fidelity over the row's images: each run's
	// mean over its restarts, then their mean and standard deviation (NaN
	// where no run measured it).
	Image ImageStats
	Runs  []Result
}

// ImageStats are a row's image metrics over its images.
type ImageStats struct {
	PSNR, PSNRStd, SSIM, SSIMStd, MSSSIM, RestartSSIM float64
}

// imageStats aggregates the runs' fidelity.
func imageStats(runs []Result) ImageStats {
	var psnr, ssim, ms, rs []float64
	for _, r := range runs {
		f := r.Fidelity
		if f == nil {
			continue
		}
		psnr = append(psnr, f.Mean.PSNR)
		if len(f.SSIM) > 0 {
			ssim = append(ssim, f.Mean.SSIM)
		}
		if len(f.MSSSIM) > 0 {
			ms = append(ms, f.Mean.MSSSIM)
		}
		if len(f.SSIM) > 1 {
			rs = append(rs, f.RestartSSIM)
		}
	}
	nan := math.NaN()
	s := ImageStats{nan, nan, nan, nan, nan, nan}
	if len(psnr) > 0 {
		s.PSNR, s.PSNRStd = meanStd(psnr)
	}
	if len(ssim) > 0 {
		s.SSIM, s.SSIMStd = meanStd(ssim)
	}
	if len(ms) > 0 {
		s.MSSSIM, _ = meanStd(ms)
	}
	if len(rs) > 0 {
		s.RestartSSIM, _ = meanStd(rs)
	}
	return s
}

// repeatSpread is the mean over runs of the (N−1) standard deviation of
// their repeats' relative errors (SPEC §5.5's variation across random
// starts); NaN when no run had several.
func repeatSpread(runs []Result) float64 {
	sum, n := 0.0, 0
	for _, r := range runs {
		if len(r.RelErrors) < 2 {
			continue
		}
		mean := 0.0
		for _, e := range r.RelErrors {
			mean += e / float64(len(r.RelErrors))
		}
		v := 0.0
		for _, e := range r.RelErrors {
			v += (e - mean) * (e - mean)
		}
		sum += math.Sqrt(v / float64(len(r.RelErrors)-1))
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// Consistency is the fraction of classified runs whose pre-image keeps
// the original's top-1 class (NaN when none was classified).
func (e LayerError) Consistency() float64 {
	if e.Classified == 0 {
		return math.NaN()
	}
	return float64(e.Kept) / float64(e.Classified)
}

// LayerErrors computes the normalised error of every (model, layer, λ or
// C, setting): runs of other iterations, seeds or starts are never
// averaged together.
func LayerErrors(results []Result) ([]LayerError, error) {
	type key struct {
		model, layer string
		tv, c        float64
		setting      Setting
	}
	order, groups := groupBy(results, func(r Result) key { return key{r.Model, r.Layer, r.TV, r.C, r.Setting()} })
	var out []LayerError
	for _, k := range order {
		runs := groups[k]
		targets := make([]*graph.Tensor, len(runs))
		sq := make([]float64, len(runs))
		for i, r := range runs {
			sq[i] = r.SqError
			t, err := npy.Load(filepath.Join(r.Dir, r.Target))
			if err != nil {
				return nil, err
			}
			if i > 0 && len(t.Data) != len(targets[0].Data) {
				return nil, fmt.Errorf("%s %s: targets of different sizes (%v and %v)", k.model, k.layer, t.Shape, targets[0].Shape)
			}
			targets[i] = t
		}
		n := len(runs)
		le := LayerError{Model: k.model, Layer: k.layer, LayerIndex: runs[0].LayerIndex, Depth: runs[0].Depth, TV: k.tv, C: k.c,
			Setting: k.setting, Images: n, Runs: runs, Mean: math.NaN(), Std: math.NaN()}
		le.Spread, le.Image = repeatSpread(runs), imageStats(runs)
		for _, r := range runs {
			if r.TopOriginal != nil && r.TopPreimage != nil {
				le.Classified++
				if *r.TopOriginal == *r.TopPreimage {
					le.Kept++
				}
			}
		}
		if n >= 2 {
			codes := make([][]float64, n)
			for i, t := range targets {
				codes[i] = make([]float64, len(t.Data))
				for p, v := range t.Data {
					codes[i][p] = float64(v)
				}
			}
			ne, err := invert.NormalizedErrors(sq, codes)
			if err != nil {
				// Identical targets: the photos are the same to this layer.
				return nil, fmt.Errorf("%s %s (λ %g): %w; sweep distinct photos", k.model, k.layer, k.tv, err)
			}
			le.Mean, le.Std = ne.Mean, ne.Std
		}
		out = append(out, le)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Model != out[j].Model {
			return out[i].Model < out[j].Model
		}
		if out[i].Setting != out[j].Setting {
			return out[i].Setting.less(out[j].Setting)
		}
		return out[i].LayerIndex < out[j].LayerIndex
	})
	return out, nil
}

// ReportNotes are what a report could not show as asked, or shows with a
// caveat; commands print them and the page and table carry them.
type ReportNotes []string

// Report writes, from the results of one or more sweep folders, the
// normalised error table (table.md, table.csv), a plot of error against
// relative depth (error_vs_depth.png, when some layer had two photos or
// more), one montage per model, photo and setting (original, then the
// reconstruction at each layer, labelled with method, weight, iterations
// and seed) and index.html, which shows all of it with relative links
// only. Results of several settings are never averaged together: each
// setting has its own rows and montages, and the notes say that the
// report mixes them.
func Report(inDirs []string, outDir string) (notes ReportNotes, err error) {
	results, err := Merge(inDirs...)
	if err != nil {
		return nil, err
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("no results in %s", strings.Join(inDirs, ", "))
	}
	var visuals []Result
	results, visuals = splitVisualizations(results)
	errs, err := LayerErrors(results)
	if err != nil {
		return nil, err
	}
	if ss := settingsOf(results); len(ss) > 1 {
		names := make([]string, len(ss))
		for i, st := range ss {
			names[i] = st.String()
		}
		notes = append(notes, fmt.Sprintf("these results mix %d settings (%s): each has its own rows and montages, never averaged together", len(ss), strings.Join(names, "; ")))
	}
	unfinished, err := Unfinished(inDirs...)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, d := range inDirs {
		for _, k := range unfinished[d] {
			missing = append(missing, d+"\t"+k)
		}
	}
	if len(missing) > 0 {
		notes = append(notes, fmt.Sprintf("%d runs planned in these folders have no result (unfinished.txt lists them): a task stopped before it finished them; rerun it (its sweep resumes) and report again", len(missing)))
	}
	plotted := false
	for _, e := range errs {
		plotted = plotted || !math.IsNaN(e.Mean)
	}
	if len(errs) > 0 && !plotted {
		notes = append(notes, "no error plot: the normalised error needs at least two photos per layer (N_Φ is the mean distance between their codes); sweep two or more photos")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	// Everything is made in a fresh folder beside outDir and moved into
	// place at the end: a report is written wholly or not at all.
	stage, err := os.MkdirTemp(filepath.Dir(filepath.Clean(outDir)), "."+filepath.Base(filepath.Clean(outDir))+".invrep-tmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	write := func(name, content string) error {
		return atomicfile.Write(filepath.Join(stage, name), func(w io.Writer) error { _, err := io.WriteString(w, content); return err })
	}
	if err := write("table.md", TableMarkdown(errs)+notesMarkdown(notes)); err != nil {
		return nil, err
	}
	if err := write("table.csv", TableCSV(errs)); err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		if err := write("unfinished.txt", strings.Join(missing, "\n")+"\n"); err != nil {
			return nil, err
		}
	}
	if plotted {
		if err := plotErrors(errs, filepath.Join(stage, "error_vs_depth.png")); err != nil {
			return nil, err
		}
	}
	fidelityPlotted := false
	if curves := fidelityCurves(errs); len(curves) > 0 {
		for _, metric := range []string{"psnr", "ssim"} {
			if err := PlotLeak(curves, metric, filepath.Join(stage, metric+"_vs_depth.png")); err != nil {
				return nil, err
			}
		}
		fidelityPlotted = true
	}
	montages, err := writeMontages(results, stage)
	if err != nil {
		return nil, err
	}
	mosaics, err := copyVisualizations(visuals, stage)
	if err != nil {
		return nil, err
	}
	if err := write("index.html", reportHTML(errs, montages, mosaics, notes, plotted, fidelityPlotted)); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return nil, err
	}
	if err := removeStale(outDir, entries); err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(outDir, e.Name())); err != nil {
			return nil, err
		}
	}
	return notes, nil
}

// removeStale deletes the pictures an earlier report left in outDir that
// this one does not write (a montage of a setting no longer swept, a plot
// this report cannot draw): a page must not show them as its own.
func removeStale(outDir string, fresh []os.DirEntry) error {
	keep := map[string]bool{}
	for _, e := range fresh {
		keep[e.Name()] = true
	}
	old, err := os.ReadDir(outDir)
	if err != nil {
		return err
	}
	for _, e := range old {
		n := e.Name()
		ours := n == "error_vs_depth.png" || n == "unfinished.txt" || n == "psnr_vs_depth.png" || n == "ssim_vs_depth.png" || ((strings.HasPrefix(n, "montage__") || strings.HasPrefix(n, "visualize__")) && strings.HasSuffix(n, ".png"))
		if ours && !keep[n] && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(outDir, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// notesMarkdown lists a report's notes under its table.
func notesMarkdown(notes ReportNotes) string {
	var b strings.Builder
	for _, n := range notes {
		b.WriteString("\n**Note:** " + mdText(n) + "\n")
	}
	return b.String()
}

func models(errs []LayerError) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range errs {
		if !seen[e.Model] {
			seen[e.Model] = true
			out = append(out, e.Model)
		}
	}
	return out
}

func cell(e LayerError) string {
	v := "n/a (1 image)"
	if !math.IsNaN(e.Mean) {
		v = fmt.Sprintf("%.1f ± %.1f", e.Mean, e.Std)
	}
	if e.Classified > 0 {
		v += fmt.Sprintf("; top-1 kept %d/%d", e.Kept, e.Classified)
	}
	if !math.IsNaN(e.Spread) {
		v += fmt.Sprintf("; spread over repeats %.4f", e.Spread)
	}
	return fmt.Sprintf("`%s` (depth %.2f, %s): %s", mdText(e.Layer), e.Depth, e.weight(), v)
}

// weight names the method, its weight (λ for CVPR runs, C for IJCV ones)
// and the rest of the row's setting.
func (e LayerError) weight() string {
	w := fmt.Sprintf("CVPR λ %g", e.TV)
	if e.C > 0 {
		w = fmt.Sprintf("IJCV C %g", e.C)
	}
	return w + ", " + e.Setting.runs()
}

// TableMarkdown has one column per model, its swept layers in depth order.
func TableMarkdown(errs []LayerError) string {
	ms := models(errs)
	cols := make([][]LayerError, len(ms))
	rows := 0
	for i, m := range ms {
		for _, e := range errs {
			if e.Model == m {
				cols[i] = append(cols[i], e)
			}
		}
		rows = max(rows, len(cols[i]))
	}
	var b strings.Builder
	heads := make([]string, len(ms))
	for i, m := range ms {
		heads[i] = mdText(m)
	}
	b.WriteString("| # | " + strings.Join(heads, " | ") + " |\n|---|" + strings.Repeat("---|", len(ms)) + "\n")
	for r := 0; r < rows; r++ {
		fmt.Fprintf(&b, "| %d |", r+1)
		for i := range ms {
			if r < len(cols[i]) {
				b.WriteString(" " + cell(cols[i][r]) + " |")
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\nNormalised reconstruction error in % (mean ± std over images), ‖Φ(x*) − Φ(x_i)‖²/N_Φ with N_Φ the mean squared pairwise distance of the layer's targets.\n")
	b.WriteString(fidelityMarkdown(errs))
	return b.String()
}

// fidelityMarkdown is the rows' image metrics as a table (empty where no
// run measured them).
func fidelityMarkdown(errs []LayerError) string {
	var b strings.Builder
	for _, e := range errs {
		if math.IsNaN(e.Image.PSNR) {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\n| model | layer | setting | PSNR (dB) | SSIM |\n|---|---|---|---|---|\n")
		}
		ssim := "–"
		if !math.IsNaN(e.Image.SSIM) {
			ssim = fmt.Sprintf("%.3f ± %.3f", e.Image.SSIM, e.Image.SSIMStd)
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %.2f ± %.2f | %s |\n", mdText(e.Model), mdText(e.Layer), mdText(e.weight()), e.Image.PSNR, e.Image.PSNRStd, ssim)
	}
	if b.Len() > 0 {
		b.WriteString("\nImage fidelity of the reconstructions against the originals as the model saw them (each photo's mean over its restarts; mean ± std over photos).\n")
	}
	return b.String()
}

// TableCSV has one row per model and layer, quoted by encoding/csv (a
// name with a comma, quote or line break stays one field) and with names
// that a spreadsheet would run as a formula (=, +, -, @) prefixed with a
// quote, as spreadsheet-safe CSV does.
func TableCSV(errs []LayerError) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	// Columns are only ever added at the end, so that readers of older
	// tables keep working.
	w.Write([]string{"model", "layer", "layer_index", "relative_depth", "tv", "mean_error_pct", "std_error_pct", "images", "method", "c", "top1_kept", "classified", "repeat_spread", "iters", "seed", "repeats",
		"mean_psnr_db", "std_psnr_db", "mean_ssim", "std_ssim", "mean_ms_ssim", "restart_ssim"})
	for _, e := range errs {
		method := "cvpr"
		if e.C > 0 {
			method = "ijcv"
		}
		w.Write([]string{safeCell(e.Model), safeCell(e.Layer), fmt.Sprint(e.LayerIndex), fmt.Sprintf("%.4f", e.Depth),
			fmt.Sprintf("%g", e.TV), fmt.Sprintf("%.4f", e.Mean), fmt.Sprintf("%.4f", e.Std), fmt.Sprint(e.Images),
			method, fmt.Sprintf("%g", e.C), fmt.Sprint(e.Kept), fmt.Sprint(e.Classified), fmt.Sprintf("%.6f", e.Spread),
			fmt.Sprint(e.Setting.Iters), fmt.Sprint(e.Setting.Seed), fmt.Sprint(e.Setting.Repeats),
			fmt.Sprintf("%.4f", e.Image.PSNR), fmt.Sprintf("%.4f", e.Image.PSNRStd), fmt.Sprintf("%.4f", e.Image.SSIM),
			fmt.Sprintf("%.4f", e.Image.SSIMStd), fmt.Sprintf("%.4f", e.Image.MSSSIM), fmt.Sprintf("%.4f", e.Image.RestartSSIM)})
	}
	w.Flush()
	return b.String()
}

// safeCell neutralises a text cell a spreadsheet would evaluate.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// mdText escapes a name for a Markdown table cell inside backticks: a
// backtick or a pipe would end the cell, a line break the row.
func mdText(s string) string {
	r := strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ", "`", "'")
	return r.Replace(s)
}

func plotErrors(errs []LayerError, path string) error {
	p := plot.New()
	p.Title.Text = "Inversion error by depth"
	p.X.Label.Text = "relative depth of the layer"
	p.Y.Label.Text = "normalised error (%)"
	p.X.Min, p.X.Max = 0, 1
	for i, m := range models(errs) {
		var pts plotter.XYs
		for _, e := range errs {
			if e.Model == m && !math.IsNaN(e.Mean) {
				pts = append(pts, plotter.XY{X: e.Depth, Y: e.Mean})
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		line.Color = plotutil.Color(i)
		points.Color = plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(m, line, points)
	}
	p.Legend.Top = true
	wt, err := p.WriterTo(6*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { _, err := wt.WriteTo(w); return err })
}

type montage struct {
	model, image, file string
	// title says which setting the montage shows (empty for mosaics).
	title string
}

// writeMontages draws, for each model, photo and setting, the original and
// the reconstruction at each swept layer, each tile labelled with its
// layer and weight. A layer swept at several weights gives several
// montages, the k-th holding each layer's k-th smallest weight, so that
// one montage never mixes a setting's runs with another's.
func writeMontages(results []Result, outDir string) ([]montage, error) {
	type key struct {
		model, image string
		setting      Setting
	}
	order, groups := groupBy(results, func(r Result) key { return key{r.Model, r.Image, r.Setting()} })
	var out []montage
	for _, k := range order {
		runs := groups[k]
		sort.SliceStable(runs, func(i, j int) bool {
			if runs[i].LayerIndex != runs[j].LayerIndex {
				return runs[i].LayerIndex < runs[j].LayerIndex
			}
			return runs[i].weight() < runs[j].weight()
		})
		// rank[i] is run i's place among its layer's weights.
		var ranks [][]Result
		count := map[string]int{}
		for _, r := range runs {
			k := count[r.Layer]
			count[r.Layer]++
			if k == len(ranks) {
				ranks = append(ranks, nil)
			}
			ranks[k] = append(ranks[k], r)
		}
		for i, rs := range ranks {
			labels := []string{"original"}
			paths := []string{filepath.Join(rs[0].Dir, rs[0].Original)}
			weights := map[string]bool{}
			for _, r := range rs {
				// The tiles' font has ASCII only: λ is written tv.
				labels = append(labels, fmt.Sprintf("%s (%.2f) %s", r.Layer, r.Depth, strings.ReplaceAll(r.weightLabel(), "λ", "tv")))
				paths = append(paths, filepath.Join(r.Dir, r.PNG))
				weights[r.weightLabel()] = true
			}
			img, err := labelledRow(paths, labels)
			if err != nil {
				return nil, err
			}
			w := "weight by depth"
			if len(weights) == 1 {
				w = rs[0].weightLabel()
			}
			title := fmt.Sprintf("%s, %s, %s", k.setting.Method, w, k.setting.runs())
			name := fmt.Sprintf("montage__%s__%s__%s", safeName(k.model), pngStem(k.image), safeName(k.setting.tag()))
			if len(ranks) > 1 {
				name += fmt.Sprintf("__w%d", i+1)
			}
			name += ".png"
			if err := pixels.SavePNG(filepath.Join(outDir, name), img); err != nil {
				return nil, err
			}
			out = append(out, montage{k.model, k.image, name, title})
		}
	}
	return out, nil
}

func labelledRow(paths, labels []string) (image.Image, error) {
	tiles := make([]image.Image, len(paths))
	for i, p := range paths {
		im, err := pixels.Load(p)
		if err != nil {
			return nil, err
		}
		tiles[i] = im
	}
	return pixels.Row(tiles, labels), nil
}

// splitVisualizations separates visualisation runs (no error to compute)
// from inversions.
func splitVisualizations(results []Result) (inversions, visuals []Result) {
	for _, r := range results {
		if r.Method == "visualize" {
			visuals = append(visuals, r)
		} else {
			inversions = append(inversions, r)
		}
	}
	return inversions, visuals
}

// copyVisualizations copies each visualisation's mosaic into the report,
// by model and layer depth.
func copyVisualizations(visuals []Result, outDir string) ([]montage, error) {
	sort.SliceStable(visuals, func(i, j int) bool {
		if visuals[i].Model != visuals[j].Model {
			return visuals[i].Model < visuals[j].Model
		}
		return visuals[i].LayerIndex < visuals[j].LayerIndex
	})
	var out []montage
	for _, r := range visuals {
		b, err := os.ReadFile(filepath.Join(r.Dir, r.PNG))
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("visualize__%s__%s__%s.png", safeName(r.Model), safeName(r.Layer), pngStem(filepath.Base(r.PNG)))
		if err := atomicfile.Write(filepath.Join(outDir, name), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return nil, err
		}
		out = append(out, montage{r.Model, r.Layer, name, ""})
	}
	return out, nil
}

func reportHTML(errs []LayerError, montages, mosaics []montage, notes ReportNotes, plotted, fidelityPlotted bool) string {
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html><head><meta charset="utf-8"><title>invrep report</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}img{max-width:100%}</style>
</head><body>
<h1>What each layer keeps: inversion report</h1>
<h2>Normalised reconstruction error (%)</h2>
<table><tr><th>model</th><th>layer</th><th>relative depth</th><th>method, weight and setting</th><th>error % (mean ± std)</th><th>images</th><th>top-1 kept</th><th>spread over repeats</th></tr>
`)
	for _, e := range errs {
		v, kept := "n/a", "–"
		if !math.IsNaN(e.Mean) {
			v = fmt.Sprintf("%.1f ± %.1f", e.Mean, e.Std)
		}
		if e.Classified > 0 {
			kept = fmt.Sprintf("%d/%d", e.Kept, e.Classified)
		}
		spread := "–"
		if !math.IsNaN(e.Spread) {
			spread = fmt.Sprintf("%.4f", e.Spread)
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td><code>%s</code></td><td>%.2f</td><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%s</td></tr>\n",
			html.EscapeString(e.Model), html.EscapeString(e.Layer), e.Depth, html.EscapeString(e.weight()), v, e.Images, kept, spread)
	}
	b.WriteString(`</table>
<p>Files: <a href="table.md">table.md</a>, <a href="table.csv">table.csv</a>.</p>
`)
	for _, n := range notes {
		fmt.Fprintf(&b, "<p class=\"note\"><strong>Note:</strong> %s</p>\n", html.EscapeString(n))
	}
	if plotted {
		b.WriteString(`<h2>Error against depth</h2>
<img src="error_vs_depth.png" alt="error against relative depth">
`)
	}
	if fidelityPlotted {
		b.WriteString(`<h2>Image fidelity against depth</h2>
<p>PSNR and SSIM of each reconstruction against the original as the model saw it (mean ± one standard deviation over the photos; table.csv has the numbers).</p>
<img src="psnr_vs_depth.png" alt="PSNR against relative depth"><img src="ssim_vs_depth.png" alt="SSIM against relative depth">
`)
	}
	if len(montages) > 0 {
		b.WriteString("<h2>Reconstructions</h2>\n")
	}
	for _, m := range montages {
		// The file name is a URL path: #, ? and % in a photo's name would
		// end or break it, so it is escaped as a path segment (after "./",
		// so that a colon cannot read as a scheme), then as HTML.
		fmt.Fprintf(&b, "<h3>%s: %s (%s)</h3>\n<img src=\"%s\" alt=\"%s\">\n", html.EscapeString(m.model), html.EscapeString(m.image),
			html.EscapeString(m.title), html.EscapeString("./"+url.PathEscape(m.file)), html.EscapeString(m.model+" "+m.image+" "+m.title))
	}
	if len(mosaics) > 0 {
		b.WriteString("<h2>Feature visualisations</h2>\n")
	}
	for _, m := range mosaics {
		fmt.Fprintf(&b, "<h3>%s: <code>%s</code></h3>\n<img src=\"%s\" alt=\"%s\">\n", html.EscapeString(m.model), html.EscapeString(m.image),
			html.EscapeString("./"+url.PathEscape(m.file)), html.EscapeString(m.model+" "+m.image))
	}
	// The page marks images that did not load (and tests read the count).
	b.WriteString(`<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images), ok = 0;
  imgs.forEach(function (i) {
    if (i.complete && i.naturalWidth > 0) { ok++; } else { i.insertAdjacentText('afterend', ' [missing: ' + i.getAttribute('src') + ']'); }
  });
  document.body.setAttribute('data-images-loaded', ok + '/' + imgs.length);
});
</script>
</body></html>
`)
	return b.String()
}

// groupBy groups results by key, keys in order of first appearance.
func groupBy[K comparable](results []Result, key func(Result) K) ([]K, map[K][]Result) {
	groups := map[K][]Result{}
	var order []K
	for _, r := range results {
		k := key(r)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	return order, groups
}

// fidelityCurves are the rows' image metrics as curves per model, for the
// report's plots (no baselines: those are the leakage curve's).
func fidelityCurves(errs []LayerError) []*LeakCurve {
	var curves []*LeakCurve
	byModel := map[string]*LeakCurve{}
	for _, e := range errs {
		if math.IsNaN(e.Image.PSNR) {
			continue
		}
		c := byModel[e.Model]
		if c == nil {
			c = &LeakCurve{Model: e.Model, NoisePSNR: math.NaN(), NoiseSSIM: math.NaN()}
			byModel[e.Model] = c
			curves = append(curves, c)
		}
		c.Rows = append(c.Rows, LeakRow{Model: e.Model, Layer: e.Layer, Depth: e.Depth, Photos: e.Images,
			PSNR: e.Image.PSNR, PSNRStd: e.Image.PSNRStd, SSIM: e.Image.SSIM, SSIMStd: e.Image.SSIMStd,
			BlurPSNR: math.NaN(), BlurSSIM: math.NaN()})
	}
	for _, c := range curves {
		sort.SliceStable(c.Rows, func(i, j int) bool { return c.Rows[i].Depth < c.Rows[j].Depth })
	}
	return curves
}
