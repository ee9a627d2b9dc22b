package zoo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
)

// Photos returns the PNG and JPEG files of dir, sorted.
func Photos(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// Table1Config is the paper's Table 1 experiment (SPEC §5): the shallow
// representations inverted on a set of photos.
type Table1Config struct {
	Reps     []handcrafted.Rep
	Photos   []string
	Schedule invert.Schedule
	TV       float64 // the paper's λ_Vβ
	Seed     int64
	Workers  int
	// Done is called after each photo's inversion (from any worker).
	Done func()
}

// Table1Row is one representation's line of the table.
type Table1Row struct {
	Rep             string
	Mean, Std       float64 // the normalised error, percent
	Images          int
	SecondsPerPhoto float64
}

// Table1 inverts every representation on every photo and scores them with
// the paper's metric (SPEC §5.1, invert.NormalizedErrors): each image's
// error is ‖Φ(x*_i) − Φ(x_i)‖²/N_Φ, the features in MATLAB's y(:) order.
// A cancelled run returns ctx's error.
func Table1(ctx context.Context, c Table1Config) ([]Table1Row, error) {
	if len(c.Photos) < 2 {
		return nil, fmt.Errorf("need at least 2 photos for the pairwise normaliser, found %d", len(c.Photos))
	}
	var rows []Table1Row
	for _, rep := range c.Reps {
		row, err := c.rep(ctx, rep)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// rep is one representation's row: its inversions run Workers at a time.
func (c Table1Config) rep(ctx context.Context, rep handcrafted.Rep) (Table1Row, error) {
	n := len(c.Photos)
	targets := make([][]float64, n)
	sq := make([]float64, n) // ‖Φ(x*) − Φ(x)‖²
	secs := make([]float64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(c.Workers, 1))
	for i, path := range c.Photos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			im, err := pixels.Load(path)
			if err != nil {
				errs[i] = err
				return
			}
			t0 := time.Now()
			job := Job{Rep: rep, Photo: im, Input: Input{Gray: true}, Options: invert.Options{Schedule: c.Schedule, TV: c.TV, Seed: c.Seed}}
			res, err := job.Run(ctx)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", path, err)
				return
			}
			secs[i] = time.Since(t0).Seconds()
			sq[i] = res.SquaredError()
			targets[i] = handcrafted.MatlabOrder(res.Target)
			if c.Done != nil {
				c.Done()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Table1Row{}, err
	}
	ne, err := invert.NormalizedErrors(sq, targets)
	if err != nil {
		return Table1Row{}, fmt.Errorf("%s: %w", rep.Kind, err)
	}
	sec := 0.0
	for _, s := range secs {
		sec += s / float64(n)
	}
	return Table1Row{Rep: string(rep.Kind), Mean: ne.Mean, Std: ne.Std, Images: n, SecondsPerPhoto: sec}, nil
}

// PaperTable1 holds the paper's numbers (SPEC §5.2).
var PaperTable1 = map[string]string{"hog": "28.10 ± 7.9", "hogb": "10.67 ± 5.2", "dsift": "10.89 ± 7.5"}

// Table1Markdown is the table as Markdown, with the paper's column and the
// settings below it.
func Table1Markdown(rows []Table1Row, iters int, tv float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| representation | error %% (mean ± std) | paper | images | seconds per image |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.2f ± %.1f | %s | %d | %.1f |\n", r.Rep, r.Mean, r.Std, PaperTable1[r.Rep], r.Images, r.SecondsPerPhoto)
	}
	fmt.Fprintf(&b, "\n%d iterations, λ_Vβ = %g; error = ‖Φ(x*) − Φ(x)‖²/N_Φ with N_Φ the mean squared pairwise distance of the targets.\n", iters, tv)
	return b.String()
}

// Table1CSV is the table as CSV.
func Table1CSV(rows []Table1Row) string {
	var b strings.Builder
	b.WriteString("rep,mean_error_pct,std_error_pct,images,seconds_per_image\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%.4f,%.4f,%d,%.3f\n", r.Rep, r.Mean, r.Std, r.Images, r.SecondsPerPhoto)
	}
	return b.String()
}
