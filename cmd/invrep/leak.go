package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/invrep/invrep/graph/atomicfile"
	"github.com/invrep/invrep/zoo"
)

// runLeak is the leakage curve: a sweep of each model over its layers and
// the photos (resumable, as sweeps are), then, per layer, the image
// metrics of the reconstructions (PSNR, SSIM) and the feature error,
// against depth, with the start image's and the blurred original's
// baselines: leak.csv, leak_psnr.png, leak_ssim.png and leak.html.
func runLeak(args []string, out io.Writer) error {
	fs := newFlags("leak", "--model M [--model M2 …] --images DIR --out DIR [--layers A,B,…|--every K] [--method cvpr|ijcv] [--repeats 2] [--iters 200]", out)
	var models []string
	fs.StringArrayVar(&models, "model", nil, "ONNX model file or zoo name; repeat to compare models on one plot")
	modelsDir := fs.String("models-dir", "", "where zoo models are looked up (default $INVREP_MODELS, else the user cache)")
	images := fs.String("images", "", "folder of PNG and JPEG photos")
	outDir := fs.String("out", "", "leak folder: sweep/<model>/ (the runs), leak.csv, leak_psnr.png, leak_ssim.png, leak.html")
	var layerLists []string
	fs.StringArrayVar(&layerLists, "layers", nil, "layers to invert, comma-separated (node names or zoo aliases): one list for every model, or one per --model in the same order")
	every := fs.Int("every", 0, "instead of --layers: every K-th computed layer of each model, and its last")
	method := fs.String("method", "cvpr", "cvpr or ijcv")
	repeats := fs.Int("repeats", 2, "restarts per photo and layer (the curve's bands include their spread)")
	iters := fs.Int("iters", 200, "iterations per inversion")
	seed := fs.Int64("seed", 1, "seed of the initial noise")
	workers := fs.Int("workers", 1, "inversions run at once")
	quiet := fs.Bool("quiet", false, "no progress bars")
	mean := fs.String("mean", "0.485,0.456,0.406", "per-channel mean of the models' input normalisation, in 0..1 units (a zoo model's own by default)")
	std := fs.String("std", "0.229,0.224,0.225", "per-channel std of the models' input normalisation, in 0..1 units (a zoo model's own by default)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "model", "images", "out"); err != nil {
		return err
	}
	if (len(layerLists) == 0) == (*every <= 0) {
		return usagef("give --layers A,B,… or --every K (K ≥ 1)")
	}
	if len(layerLists) > 1 && len(layerLists) != len(models) {
		return usagef("%d --layers lists for %d models: give one for all, or one per --model", len(layerLists), len(models))
	}
	var curves []*zoo.LeakCurve
	for k, name := range models {
		mf := &modelFlags{model: name, dir: *modelsDir, randomSeed: -1, mean: *mean, std: *std, fs: fs}
		m, err := mf.open()
		if err != nil {
			return fmt.Errorf("--model %s: %w", name, err)
		}
		norm, err := mf.normalization()
		if err != nil {
			return err
		}
		var list string
		switch {
		case len(layerLists) == 1:
			list = layerLists[0]
		case len(layerLists) > 1:
			list = layerLists[k]
		}
		if *every > 0 {
			names := m.Computed()
			var pick []string
			for i := *every - 1; i < len(names); i += *every {
				pick = append(pick, names[i])
			}
			if len(names) > 0 && (len(pick) == 0 || pick[len(pick)-1] != names[len(names)-1]) {
				pick = append(pick, names[len(names)-1])
			}
			list = strings.Join(pick, ",")
		}
		dir := filepath.Join(*outDir, "sweep", safeFolder(name))
		sweepArgs := []string{"--model", name, "--layers", list, "--images", *images, "--out", dir, "--iters", strconv.Itoa(*iters),
			"--repeats", strconv.Itoa(*repeats), "--method", *method, "--seed", strconv.FormatInt(*seed, 10), "--workers", strconv.Itoa(*workers)}
		if *modelsDir != "" {
			sweepArgs = append(sweepArgs, "--models-dir", *modelsDir)
		}
		if fs.Changed("mean") || fs.Changed("std") {
			sweepArgs = append(sweepArgs, "--mean", *mean, "--std", *std)
		}
		if *quiet {
			sweepArgs = append(sweepArgs, "--quiet")
		}
		if err := runSweep(sweepArgs, out); err != nil {
			return err
		}
		rfs, err := m.ReceptiveFields()
		if err != nil {
			return err
		}
		strides := map[string]int{}
		for layer, rf := range rfs {
			strides[layer] = rf.Stride
		}
		c, err := zoo.Leakage(dir, strides, *seed, norm.Mean)
		if err != nil {
			return err
		}
		curves = append(curves, c)
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(*outDir, "leak.csv"), func(w io.Writer) error {
		_, err := io.WriteString(w, zoo.LeakCSV(curves))
		return err
	}); err != nil {
		return err
	}
	for _, metric := range []string{"psnr", "ssim"} {
		if err := zoo.PlotLeak(curves, metric, filepath.Join(*outDir, "leak_"+metric+".png")); err != nil {
			return err
		}
	}
	var dirs []string
	for _, name := range models {
		dirs = append(dirs, filepath.Join(*outDir, "sweep", safeFolder(name)))
	}
	if _, err := zoo.Report(dirs, filepath.Join(*outDir, "report")); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(*outDir, "leak.html"), func(w io.Writer) error {
		_, err := io.WriteString(w, leakHTML(curves))
		return err
	}); err != nil {
		return err
	}
	for _, c := range curves {
		for _, r := range c.Rows {
			fmt.Fprintf(out, "%s %s (depth %.2f): PSNR %.2f ± %.2f dB, SSIM %.3f ± %.3f, N_Φ %.1f %%\n", c.Model, r.Layer, r.Depth, r.PSNR, r.PSNRStd, r.SSIM, r.SSIMStd, r.NPhi)
		}
		fmt.Fprintf(out, "%s start image: PSNR %.2f dB, SSIM %.3f\n", c.Model, c.NoisePSNR, c.NoiseSSIM)
	}
	fmt.Fprintf(out, "leakage curve in %s (open leak.html)\n", *outDir)
	return nil
}

// safeFolder names a model's sweep folder after its file or zoo name.
func safeFolder(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), ".onnx")
	r := strings.NewReplacer("/", "_", "\\", "_", " ", "_", "..", "_")
	return r.Replace(base)
}

// leakHTML is the page: the two plots, the table, the reconstructions.
func leakHTML(curves []*zoo.LeakCurve) string {
	var b strings.Builder
	b.WriteString("<!doctype html><meta charset=utf-8><title>invrep leakage curve</title>\n<h1>What each layer gives back</h1>\n")
	b.WriteString("<p>Per layer, the mean (± one standard deviation over the photos) of PSNR and SSIM between each reconstruction and the original as the model saw it; dashed, the original blurred at the layer's stride; dotted, the inversion's start image.</p>\n")
	b.WriteString("<img src=\"leak_psnr.png\" width=700><img src=\"leak_ssim.png\" width=700>\n<table border=1 cellpadding=4><tr><th>model</th><th>layer</th><th>depth</th><th>PSNR (dB)</th><th>SSIM</th><th>N_Φ (%)</th></tr>\n")
	for _, c := range curves {
		for _, r := range c.Rows {
			fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%.2f</td><td>%.2f ± %.2f</td><td>%.3f ± %.3f</td><td>%.1f</td></tr>\n",
				htmlText(c.Model), htmlText(r.Layer), r.Depth, r.PSNR, r.PSNRStd, r.SSIM, r.SSIMStd, r.NPhi)
		}
	}
	b.WriteString("</table>\n<p>Reconstructions: <a href=\"report/index.html\">report/index.html</a>; numbers: <a href=\"leak.csv\">leak.csv</a>.</p>\n")
	return b.String()
}

func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;").Replace(s)
}
