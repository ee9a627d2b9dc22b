package zoo

import (
	"context"
	"math"
	"testing"

	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
)

// TestTable1: the library's Table 1 is the paper's metric over the
// pipeline's runs: computed here by hand from Features and Invert on the
// same grey photos, N_Φ the mean squared distance of all ordered pairs.
func TestTable1(t *testing.T) {
	photos := writeImages(t, t.TempDir())
	rep, err := handcrafted.NewRep("hog", 4)
	if err != nil {
		t.Fatal(err)
	}
	sched, _ := invert.ShallowSchedule.Scaled(8)
	rows, err := Table1(context.Background(), Table1Config{Reps: []handcrafted.Rep{rep}, Photos: photos, Schedule: sched, TV: 0.5, Seed: 2, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Rep != "hog" || rows[0].Images != 2 {
		t.Fatalf("rows %+v", rows)
	}
	var sq []float64
	var codes [][]float64
	for _, p := range photos {
		im, err := pixels.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		x0 := im.GrayPaper()
		target, err := invert.Features(rep, x0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := invert.Invert(context.Background(), rep, target, invert.Options{ImageShape: x0.Shape[1:], Schedule: sched, TV: 0.5, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		sq = append(sq, res.RelErr[0]*target.SquaredNorm())
		codes = append(codes, handcrafted.MatlabOrder(target))
	}
	// N_Φ by hand: (0 + d + d + 0)/4 for two codes at squared distance d.
	d := 0.0
	for i, v := range codes[0] {
		d += (v - codes[1][i]) * (v - codes[1][i])
	}
	nphi := d / 2
	e0, e1 := 100*sq[0]/nphi, 100*sq[1]/nphi
	mean := (e0 + e1) / 2
	std := math.Abs(e0-e1) / math.Sqrt2
	if math.Abs(rows[0].Mean-mean) > 1e-9*mean || math.Abs(rows[0].Std-std) > 1e-9*math.Max(std, 1) {
		t.Errorf("Table1 %.6f ± %.6f, by hand %.6f ± %.6f", rows[0].Mean, rows[0].Std, mean, std)
	}
	if _, err := Table1(context.Background(), Table1Config{Reps: []handcrafted.Rep{rep}, Photos: photos[:1], Schedule: sched}); err == nil {
		t.Error("one photo was taken: the pairwise normaliser needs two")
	}
}
