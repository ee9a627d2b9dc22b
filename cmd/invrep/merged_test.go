package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/invrep/invrep/zoo"
)

// checkMerged is what a sharded sweep must give, however its shards were
// scheduled (a Kubernetes Job played here, a real Slurm array): the shard
// folders hold want result lines in all, each run exactly once, and every
// run's feature errors and PNG bytes equal those of the same sweep run
// unsharded into whole. It returns the merged results.
func checkMerged(t *testing.T, shards []string, whole string, want int) []zoo.Result {
	t.Helper()
	raw := 0
	for _, d := range shards {
		b, _ := os.ReadFile(filepath.Join(d, zoo.ResultsFile))
		raw += bytes.Count(b, []byte("\n"))
	}
	merged, err := zoo.Merge(shards...)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := zoo.ReadResults(whole)
	if err != nil {
		t.Fatal(err)
	}
	if raw != want || len(merged) != want || len(ref) != want {
		t.Fatalf("%d result lines in the shards, %d runs merged, %d unsharded; want %d, each once", raw, len(merged), len(ref), want)
	}
	byKey := map[string]zoo.Result{}
	for _, r := range ref {
		byKey[r.Key] = r
	}
	for _, r := range merged {
		w, ok := byKey[r.Key]
		if !ok {
			t.Errorf("%s: not in the unsharded sweep", r.Key)
			continue
		}
		if r.RelError != w.RelError || fmt.Sprint(r.RelErrors) != fmt.Sprint(w.RelErrors) {
			t.Errorf("%s: feature error %v %v sharded, %v %v unsharded", r.Key, r.RelError, r.RelErrors, w.RelError, w.RelErrors)
		}
		a, err1 := os.ReadFile(filepath.Join(r.Dir, r.PNG))
		b, err2 := os.ReadFile(filepath.Join(whole, w.PNG))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: the PNGs differ (%v, %v)", r.Key, err1, err2)
		}
	}
	return merged
}
