package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrepSaysWhatItWrote: invrep-prep writes the resized photo and says
// so (it used to print nothing on success), and exits 2 on a usage error.
func TestPrepSaysWhatItWrote(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "invrep-prep")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 30, 20))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	in := filepath.Join(dir, "in.png")
	f, _ := os.Create(in)
	png.Encode(f, img)
	f.Close()
	out := filepath.Join(dir, "out.png")
	stdout, err := exec.Command(bin, "--image", in, "--size", "16", "--height", "12", "--out", out).Output()
	if err != nil || !strings.Contains(string(stdout), "wrote "+out) || !strings.Contains(string(stdout), "16×12") {
		t.Fatalf("invrep-prep: %v, %q", err, stdout)
	}
	g, _ := os.Open(out)
	defer g.Close()
	if pic, err := png.Decode(g); err != nil || pic.Bounds().Dx() != 16 || pic.Bounds().Dy() != 12 {
		t.Fatalf("output: %v", err)
	}
	err = exec.Command(bin, "--image", in).Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("a missing --out: %v", err)
	}
}
