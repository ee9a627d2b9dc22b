package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
)

// TestNoOutputReplacesAnInput: every file a command writes (its output,
// report and profiles) is checked against every file it reads (the model
// and its external data, the photo, a --feed, a direction file of the
// objective, the photos of a --stats folder), links included, and an
// output naming a folder is refused, all before anything runs: each
// exits 2, naming both flags, with every input byte for byte as it was.
func TestNoOutputReplacesAnInput(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	img := filepath.Join(dir, "photo.png")
	writePNG(t, img, 8, 8)
	ext := filepath.Join(dir, "ext")
	if err := os.Mkdir(ext, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"model.onnx", "weights.npy"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "external", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ext, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	extModel, side := filepath.Join(ext, "model.onnx"), filepath.Join(ext, "weights.npy")
	dirNpy := filepath.Join(dir, "dir.npy")
	if err := npy.Save(dirNpy, &graph.Tensor{Shape: []int{4}, Data: []float32{1, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	stats := filepath.Join(dir, "stats")
	if err := os.Mkdir(stats, 0o755); err != nil {
		t.Fatal(err)
	}
	statsPhoto := filepath.Join(stats, "a.png")
	writePNG(t, statsPhoto, 8, 8)
	link := filepath.Join(dir, "link.png")
	if err := os.Symlink(img, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.onnx")
	if err := os.Link(model, hard); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "out.png")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	inputs := []string{model, img, side, extModel, dirNpy, statsPhoto}
	before := map[string][]byte{}
	for _, p := range inputs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		before[p] = b
	}
	out := filepath.Join(dir, "o.png")
	inv := []string{"invert", "--model", model, "--layer", "y", "--image", img, "--iters", "3", "--quiet", "--mean", "0,0,0", "--std", "1,1,1"}
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"cpuprofile is the photo", append(inv, "--out", out, "--cpuprofile", img), []string{"--cpuprofile", "--image"}},
		{"memprofile is the model", append(inv, "--out", out, "--memprofile", model), []string{"--memprofile", "--model"}},
		{"memprofile is a hard link to the model", append(inv, "--out", out, "--memprofile", hard), []string{"--memprofile", "--model"}},
		{"report is a symlink to the photo", append(inv, "--out", out, "--report", link), []string{"--report", "--image"}},
		{"out is a folder", append(inv, "--out", folder), []string{"--out", "is a folder"}},
		{"report is a folder", append(inv, "--out", out, "--report", stats), []string{"--report", "is a folder"}},
		{"features out is the model's external data",
			[]string{"features", "--model", extModel, "--layer", "y", "--image", img, "--out", side, "--mean", "0,0,0", "--std", "1,1,1"},
			[]string{"--out", "external data"}},
		{"invert memprofile is the model's external data",
			[]string{"invert", "--model", extModel, "--layer", "y", "--image", img, "--out", out, "--iters", "3", "--memprofile", side, "--mean", "0,0,0", "--std", "1,1,1"},
			[]string{"--memprofile", "external data"}},
		{"features out is a --feed", []string{"features", "--model", model, "--layer", "y", "--image", img, "--out", dirNpy, "--feed", "x=" + dirNpy},
			[]string{"--out", "--feed"}},
		{"visualize report is the direction file",
			[]string{"visualize", "--model", model, "--objective", "relu_out:dir=" + dirNpy, "--out", out, "--report", dirNpy, "--steps", "2", "--size", "8"},
			[]string{"--report", "--objective"}},
		{"maximize report is a stats photo",
			[]string{"maximize", "--model", model, "--layer", "y", "--channel", "0", "--stats", stats, "--out", out, "--report", statsPhoto, "--iters", "2", "--size", "8"},
			[]string{"--report", "--stats"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := invrep(t, c.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2 (usage); stderr %s", r.code, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not name %q", r.stderr, w)
				}
			}
			for _, p := range inputs {
				if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, before[p]) {
					t.Fatalf("%s changed (%v)", p, err)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
			}
		})
	}
}

// TestFIFOInputsRefused: a FIFO given as the model, the photo, a --mask or
// a --feed would block the open until a writer came, past SIGTERM; each
// is refused at once as not a regular file.
func TestFIFOInputsRefused(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, dir)
	img := filepath.Join(dir, "photo.png")
	writePNG(t, img, 8, 8)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "o.png")
	base := []string{"--layer", "relu_out", "--out", out, "--iters", "3", "--quiet", "--mean", "0,0,0", "--std", "1,1,1"}
	for name, args := range map[string][]string{
		"model": append([]string{"invert", "--model", fifo, "--image", img}, base...),
		"image": append([]string{"invert", "--model", model, "--image", fifo}, base...),
		"mask":  append([]string{"invert", "--model", model, "--image", img, "--mask", fifo}, base...),
		"feed":  {"features", "--model", model, "--layer", "relu_out", "--image", img, "--out", filepath.Join(dir, "f.npy"), "--feed", "data=" + fifo},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, bin, args...)
		var e bytes.Buffer
		cmd.Stderr = &e
		err := cmd.Run()
		timedOut := ctx.Err() == context.DeadlineExceeded
		cancel()
		if timedOut {
			t.Fatalf("%s: a FIFO blocked the command", name)
		}
		if err == nil || !strings.Contains(e.String(), "not a regular file") {
			t.Errorf("%s: err %v, stderr %q; want a refusal naming a non-regular file", name, err, e.String())
		}
	}
}
