package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/invrep/invrep/graph/testenv"
)

// hostileCase is one hostile command line: the exit status and the words
// its message must hold.
type hostileCase struct {
	name string
	args []string
	code int
	want []string
}

// runHostile runs each case as a user would, under a 2 GB address-space
// limit (ulimit -v) and a 60 s timeout: none may end in a runtime trace
// (a panic or Go's "fatal error: out of memory"), run past the timeout, or
// exit otherwise than the case says.
func runHostile(t *testing.T, cases []hostileCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			script := `ulimit -v 2000000; exec "$@"`
			cmd := exec.CommandContext(ctx, "bash", append([]string{"-c", script, "bash", bin}, c.args...)...)
			var e bytes.Buffer
			cmd.Stdout, cmd.Stderr = &e, &e
			err := cmd.Run()
			if ctx.Err() == context.DeadlineExceeded {
				t.Fatalf("still running after 60 s")
			}
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			out := e.String()
			if strings.Contains(out, "goroutine ") || strings.Contains(out, "fatal error") || strings.Contains(out, "panic:") {
				t.Fatalf("a runtime trace reached the user:\n%.2000s", out)
			}
			if code != c.code {
				t.Errorf("exit %d, want %d:\n%s", code, c.code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not say %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestHostileFlags: sizes and counts from flags are checked before
// anything of their size is made (issue 26's memory and wrong-result
// examples on flags), and numbers that mean nothing are refused.
func TestHostileFlags(t *testing.T) {
	shared := testenv.Shared(t)
	sq := filepath.Join(shared, "models", "squeezenet1.1.onnx")
	img := filepath.Join(shared, "images", "chelsea.png")
	dir := t.TempDir()
	out := filepath.Join(dir, "o.png")
	vis := func(extra ...string) []string {
		return append([]string{"visualize", "--model", sq, "--objective", "fire7:1", "--out", out, "--steps", "2", "--quiet"}, extra...)
	}
	inv := func(extra ...string) []string {
		return append([]string{"invert", "--model", sq, "--layer", "fire2", "--image", img, "--out", out, "--iters", "3", "--quiet"}, extra...)
	}
	runHostile(t, []hostileCase{
		{"rotate=1e8", vis("--transforms", "rotate=1e8"), 2, []string{"rotate=D"}},
		{"rotate=maxint", vis("--transforms", "rotate=9223372036854775807"), 2, []string{"0 ≤ D ≤ 180"}},
		{"pad=100000", vis("--transforms", "pad=100000"), 2, []string{"pad=N", "≤ 224"}},
		{"scale=1:NaN", vis("--transforms", "scale=1:NaN"), 2, []string{"scale=A:B"}},
		{"scale=1:Inf", vis("--transforms", "scale=1:Inf"), 2, []string{"scale=A:B"}},
		{"jitter=maxint", vis("--transforms", "jitter=9223372036854775807"), 2, []string{"jitter=N"}},
		{"visualize --batch 0", vis("--batch", "0"), 2, []string{"--batch 0"}},
		{"visualize --lr Inf", vis("--lr", "Inf"), 2, []string{"--lr", "finite"}},
		{"maximize --channels 0:1e9", []string{"maximize", "--model", sq, "--layer", "fire2", "--channels", "0:1000000000", "--out", out, "--iters", "2"}, 2, []string{"256 channels"}},
		{"maximize --class on a conv layer", []string{"maximize", "--model", sq, "--layer", "fire2", "--class", "5", "--out", out, "--iters", "2"}, 2, []string{"--class", "not the model's 1000 classes"}},
		{"maximize --size 65536", []string{"maximize", "--model", sq, "--layer", "fire2", "--channel", "1", "--size", "65536", "--out", out, "--iters", "2"}, 1, []string{"65536×65536", "memory limit"}},
		{"invert --size 20000 --max-memory 1G", inv("--size", "20000", "--max-memory", "1G"), 1, []string{"20000×20000", "memory limit (1.0 GiB)"}},
		{"caricature --size 65536", []string{"caricature", "--model", sq, "--layer", "fire2", "--image", img, "--size", "65536", "--out", out, "--iters", "3"}, 1, []string{"memory limit"}},
		{"invert --repeats 100000", inv("--repeats", "100000"), 1, []string{"--repeats 100000", "memory limit"}},
		{"ijcv --jitter 100000", inv("--method", "ijcv", "--jitter", "100000"), 2, []string{"--jitter 100000"}},
		{"ijcv --beta Inf", inv("--method", "ijcv", "--beta", "Inf"), 2, []string{"--beta", "finite"}},
		{"sweep --visualize 0:1e9", []string{"sweep", "--model", sq, "--layers", "fire2", "--out", filepath.Join(dir, "sw"), "--visualize", "0:1000000000", "--iters", "2"}, 2, []string{"256 channels"}},
	})
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command wrote %s", out)
	}
	// A visualisation sweep takes Adam steps: 2 are enough (not "the
	// schedule's 3 stages").
	runHostile(t, []hostileCase{{"sweep --visualize --iters 2",
		[]string{"sweep", "--model", sq, "--layers", "fire2", "--out", filepath.Join(dir, "sw2"), "--visualize", "0:2", "--iters", "2", "--quiet"}, 0, nil}})
}
