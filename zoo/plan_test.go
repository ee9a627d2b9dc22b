package zoo

import (
	"testing"
	"time"
)

// TestSizeArray: tasks are dealt runs round-robin, as --shard deals them;
// the array is the fewest tasks whose slowest fits, found even where more
// tasks are slower (5,1,5,1,5,1: three tasks take 6 s each, four take 10 s
// at most).
func TestSizeArray(t *testing.T) {
	costs := []float64{5, 1, 5, 1, 5, 1}
	for n, want := range map[int]float64{1: 18, 2: 15, 3: 6, 4: 10, 6: 5} {
		if got := Longest(costs, n); got != want {
			t.Errorf("the longest of %d tasks: %g s, want %g", n, got, want)
		}
	}
	for _, c := range []struct {
		within time.Duration
		tasks  int
		fits   bool
	}{{20 * time.Second, 1, true}, {15 * time.Second, 2, true}, {14 * time.Second, 3, true}, {6 * time.Second, 3, true}, {5 * time.Second, 6, true}, {4 * time.Second, 6, false}} {
		a := SizeArray(costs, c.within)
		if a.Tasks != c.tasks || a.Fits != c.fits {
			t.Errorf("within %s: %d tasks (fits %v), want %d (%v)", c.within, a.Tasks, a.Fits, c.tasks, c.fits)
		}
	}
}

// TestRunCostsOffset: several models' runs are costed in the global order
// the shards are dealt from, and a shard of a multi-model sweep takes the
// runs its global positions give it.
func TestRunCostsOffset(t *testing.T) {
	layers := []SweepLayer{{Name: "a"}, {Name: "b"}}
	imgs := []string{"x.png", "y.png", "z.png"}
	m1 := SweepConfig{Model: "m1", Layers: layers, Images: imgs, TVs: []float64{1}}
	m2 := SweepConfig{Model: "m2", Layers: layers[:1], Images: imgs, TVs: []float64{1}, Offset: 6}
	costs, err := RunCosts([]SweepConfig{m1, m2}, []Probe{
		{Model: "m1", Layer: "a", Setup: 1}, {Model: "m1", Layer: "b", Setup: 2}, {Model: "m2", Layer: "a", Setup: 4}})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 1, 1, 2, 2, 2, 4, 4, 4}
	for i := range want {
		if i >= len(costs) || costs[i] != want[i] {
			t.Fatalf("costs %v, want %v", costs, want)
		}
	}
	// Shard 1 of 4 holds global runs 1 and 5 of m1 and run 9 (m2's third).
	m1.Shard, m1.Shards, m2.Shard, m2.Shards = 1, 4, 1, 4
	if r := m1.Runs(); len(r) != 2 || r[0].Image != "y.png" || r[1].Layer.Name != "b" || r[1].Image != "z.png" {
		t.Errorf("m1's shard 1/4: %+v", r)
	}
	if r := m2.Runs(); len(r) != 0 {
		t.Errorf("m2's shard 1/4: %+v, want none (its runs are global 6, 7, 8)", r)
	}
	m2.Shard = 2
	if r := m2.Runs(); len(r) != 1 || r[0].Image != "x.png" {
		t.Errorf("m2's shard 2/4: %+v", r)
	}
}
