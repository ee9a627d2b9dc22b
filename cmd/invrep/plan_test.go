package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/invrep/invrep/zoo"
)

// TestSweepPlan: --plan over two models times each (model, layer), writes
// nothing, and sizes the array for --within; the same two models swept in
// two shards hold every run once.
func TestSweepPlan(t *testing.T) {
	dir := t.TempDir()
	a := tinyModel(t, dir)
	os.Mkdir(filepath.Join(dir, "b"), 0o755)
	b := tinyModel(t, filepath.Join(dir, "b"))
	photos := filepath.Join(dir, "photos")
	os.Mkdir(photos, 0o755)
	for i, n := range []string{"p.png", "q.png", "r.png"} {
		writePNG(t, filepath.Join(photos, n), 40+10*i, 30)
	}
	common := []string{"sweep", "--model", a, "--model", b, "--layers", "conv_out,relu_out", "--layers", "pool_out",
		"--images", photos, "--iters", "50", "--size", "32"}
	r := invrep(t, append(common, "--plan", "--within", "1h", "--cpus-per-task", "1")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"9 runs", "within 1h0m0s: 1 tasks", "#SBATCH --array=0-0", "#SBATCH --cpus-per-task=1", "completions: 1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the plan does not say %q:\n%s", want, r.stdout)
		}
	}
	rows := regexp.MustCompile(`(?m)^\s*\S+tiny\.onnx\s+(conv_out|relu_out|pool_out)\s+3\s+50\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+\d+ MiB\s*$`).FindAllString(r.stdout, -1)
	if len(rows) != 3 {
		t.Errorf("%d rows of (model, layer) timings, want 3:\n%s", len(rows), r.stdout)
	}
	if !regexp.MustCompile(`#SBATCH --mem=\d+00M\n#SBATCH --time=0-\d\d:\d\d:00`).MatchString(r.stdout) {
		t.Errorf("no memory or time line:\n%s", r.stdout)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("the plan wrote into %s: %v", dir, entries)
	}
	// A target no split can meet: one run a task, and said so.
	if r := invrep(t, append(common, "--plan", "--within", "1ns")...); r.code != 0 || !strings.Contains(r.stdout, "not possible") || !strings.Contains(r.stdout, "#SBATCH --array=0-8") {
		t.Errorf("--within 1ns: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, bad := range [][]string{
		append(common, "--out", filepath.Join(dir, "o"), "--within", "1h"),
		append(common, "--plan", "--probe-iters", "2"),
		{"sweep", "--model", a, "--model", a, "--layers", "conv_out", "--images", photos, "--plan"},
		{"sweep", "--model", a, "--model", b, "--layers", "conv_out", "--layers", "pool_out", "--layers", "relu_out", "--images", photos, "--plan"},
	} {
		if r := invrep(t, bad...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", bad, r.code, r.stderr)
		}
	}

	// Two models, two shards: every run once.
	var dirs []string
	for _, s := range []string{"0/2", "1/2"} {
		out := filepath.Join(dir, "shard"+s[:1])
		dirs = append(dirs, out)
		if r := invrep(t, append(common, "--iters", "6", "--shard", s, "--out", out, "--quiet")...); r.code != 0 {
			t.Fatalf("shard %s: %s", s, r.stderr)
		}
	}
	merged, err := zoo.Merge(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	n0, _ := zoo.ReadResults(dirs[0])
	if len(merged) != 9 || len(n0) != 5 {
		t.Errorf("%d runs merged (%d in shard 0), want 9 (5)", len(merged), len(n0))
	}
	// A shard's unfinished runs are flagged, and --complete fails.
	os.Remove(filepath.Join(dirs[1], zoo.ResultsFile))
	r = invrep(t, "report", "--in", strings.Join(dirs, ","), "--out", filepath.Join(dir, "rep"), "--complete")
	if r.code != 1 || !strings.Contains(r.stdout, "4 runs planned") || !strings.Contains(r.stderr, "--complete: 4 planned runs have no result") {
		t.Errorf("report --complete with a shard's runs missing: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "rep", "unfinished.txt")); err != nil || strings.Count(string(b), "\n") != 4 {
		t.Errorf("unfinished.txt: %v\n%s", err, b)
	}
}
