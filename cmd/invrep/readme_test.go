package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph/testenv"
	"github.com/invrep/invrep/zoo"
)

const readmePath = "../../README.md"

// readmeBlocks returns the lines of the fenced blocks of one language in
// the README section that starts with heading (up to the next ## heading).
func readmeBlocks(t *testing.T, heading, lang string) [][]string {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n"+heading+"\n")
	if start < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	section := text[start+len(heading)+2:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	return fencedBlocks(section, lang)
}

// shorten cuts a tour command's iterations, so that the tour runs in seconds.
func shorten(cmd string) string {
	cmd = regexp.MustCompile(`--iters \d+`).ReplaceAllString(cmd, "--iters 6")
	return regexp.MustCompile(`--steps \d+`).ReplaceAllString(cmd, "--steps 4")
}

// TestReadmeTour runs the README's tour as written, command by command,
// from an empty folder with an empty user cache, with fewer iterations:
// the zoo is fetched from a local server standing in for the mirror the
// README names ($INVREP_ZOO_MIRROR over HTTP). Every command must succeed
// and every picture the tour shows must be written.
func TestReadmeTour(t *testing.T) {
	shared := testenv.Shared(t)
	ts := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(shared, "models"))))
	defer ts.Close()
	work, home := t.TempDir(), t.TempDir()
	env := []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + home,
		zoo.MirrorEnv + "=" + ts.URL, "GOMAXPROCS=2"}
	var cmds []string
	for _, block := range readmeBlocks(t, "## A five-minute tour", "sh") {
		for _, l := range block {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				cmds = append(cmds, l)
			}
		}
	}
	if len(cmds) < 8 {
		t.Fatalf("the tour has %d commands: %q", len(cmds), cmds)
	}
	for _, c := range cmds {
		if !strings.HasPrefix(c, "invrep ") {
			t.Fatalf("a tour command that is not invrep's: %q", c)
		}
		cmd := exec.Command("bash", "-c", shorten(c))
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
	}
	b, _ := os.ReadFile(readmePath)
	pictures := regexp.MustCompile(`--out (out/\S+\.png)`).FindAllStringSubmatch(strings.Join(cmds, "\n"), -1)
	if len(pictures) < 3 {
		t.Fatalf("the tour writes %d pictures", len(pictures))
	}
	for _, p := range append(pictures, []string{"", "out/report/index.html"}) {
		if _, err := os.Stat(filepath.Join(work, p[1])); err != nil {
			t.Errorf("the tour did not write %s", p[1])
		}
		shown := "docs/tour/" + filepath.Base(p[1])
		if strings.HasSuffix(p[1], ".png") && !strings.Contains(string(b), "("+shown+")") {
			t.Errorf("the README shows no %s for %s", shown, p[1])
		}
	}
}

// exampleBody is the body of an Example function from its first line
// (first) up to the line that prints its output (last), unindented.
func exampleBody(t *testing.T, file, first, last string) []string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	body := string(src)
	from := strings.Index(body, "\t"+first)
	to := strings.Index(body, "\t"+last)
	if from < 0 || to < from {
		t.Fatalf("%s: the example's body (%q … %q) not found", file, first, last)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(body[from:to], "\n"), "\n") {
		out = append(out, strings.TrimPrefix(l, "\t"))
	}
	return out
}

// fencedBlocks are the lines of text's fenced blocks of one language.
func fencedBlocks(text, lang string) [][]string {
	var blocks [][]string
	var cur []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		switch {
		case !in && l == "```"+lang:
			in, cur = true, nil
		case in && l == "```":
			in = false
			blocks = append(blocks, cur)
		case in:
			cur = append(cur, l)
		}
	}
	return blocks
}

// TestReadmeAPI: the Go snippets of the README and docs/api.md are the
// bodies of Example functions, which go test compiles and runs, so the
// text cannot drift from code that works.
func TestReadmeAPI(t *testing.T) {
	for _, c := range []struct {
		doc, example, first, last string
	}{
		{readmePath, "../../zoo/example_test.go", "ctx := context.Background()", "fmt.Println(len(tiles)"},
		{"../../docs/api.md", "../../invert/example_test.go", "ctx := context.Background()\n\trep := blockMeans", "fmt.Println(res.Target.Shape, res.Images.Shape"},
	} {
		text, err := os.ReadFile(c.doc)
		if err != nil {
			t.Fatal(err)
		}
		blocks := fencedBlocks(string(text), "go")
		if len(blocks) != 1 {
			t.Fatalf("%s has %d go blocks, want 1", c.doc, len(blocks))
		}
		want := exampleBody(t, c.example, c.first, c.last)
		if got := blocks[0]; strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: its Go snippet differs from the example in %s:\ndoc:\n%s\n\nexample:\n%s", c.doc, c.example, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestReadmeShortAndLinked: the README stays short, and every file it and
// the docs link or show is there.
func TestReadmeShortAndLinked(t *testing.T) {
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n >= 300 {
		t.Errorf("README has %d lines; keep it under 300 and move detail to docs/", n)
	}
	pages, _ := filepath.Glob("../../docs/*.md")
	pages = append(pages, readmePath, "../../ARCHITECTURE.md")
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, p := range pages {
		text, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(text), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), target)); err != nil {
				t.Errorf("%s links to %s, which is not there", p, m[1])
			}
		}
	}
}
