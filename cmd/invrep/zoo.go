package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/invrep/invrep/onnxload"
	"github.com/invrep/invrep/zoo"
	"github.com/schollz/progressbar/v3"
)

var zooCommands = map[string]func(args []string, out io.Writer) error{
	"list":    runZooList,
	"fetch":   runZooFetch,
	"classes": runZooClasses,
}

func runZoo(args []string, out io.Writer) error {
	if len(args) == 0 {
		return usagef("want 'invrep zoo list', 'invrep zoo fetch NAME' or 'invrep zoo classes NAME'")
	}
	// 'invrep zoo --models-dir D' lists, as it always has.
	if strings.HasPrefix(args[0], "-") {
		return runZooList(args, out)
	}
	run, ok := zooCommands[args[0]]
	if !ok {
		msg := fmt.Sprintf("unknown zoo command %q: want list, fetch or classes", args[0])
		if c := onnxload.Closest(args[0], []string{"list", "fetch", "classes"}, 1); len(c) > 0 {
			msg += fmt.Sprintf("; did you mean 'invrep zoo %s'?", c[0])
		}
		return usagef("%s", msg)
	}
	return run(args[1:], out)
}

func runZooList(args []string, out io.Writer) error {
	fs := newFlags("zoo list", "[--models-dir DIR]", out)
	dir := fs.String("models-dir", "", "where models are looked up (default $INVREP_MODELS, else "+zoo.DefaultDir()+")")
	if err := parse(fs, args); err != nil {
		return err
	}
	where := zoo.Dir(*dir)
	// Every known model is listed wherever invrep runs; a folder not made
	// yet only means none is present.
	if st, err := os.Stat(where); err != nil || !st.IsDir() {
		fmt.Fprintf(out, "models folder %s (%s) does not exist yet: 'invrep zoo fetch NAME' makes it\n", where, zoo.DirSource(*dir))
	} else {
		fmt.Fprintf(out, "models in %s (%s)\n", where, zoo.DirSource(*dir))
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPRESENT\tCHECKSUM\tSIZE\tINPUT\tLICENCE\tSOURCE")
	for _, m := range zoo.Registry {
		present, sum, err := m.Status(*dir)
		if err != nil {
			return err
		}
		p := "no"
		if present {
			p = "yes"
		} else {
			sum = "-"
		}
		src := m.URL
		if src == "" {
			src = "no public address"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %dx%d\t%s\t%s\n", m.Name, p, sum, sizeString(m.Bytes, m.Approx), m.Input, m.Size[0], m.Size[1], m.Licence, src)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nNotes:")
	for _, m := range zoo.Registry {
		note := m.Note
		if m.ArchOnly {
			note = strings.TrimPrefix(note+"; architecture only (constant weights): use --random-weights SEED", "; ")
		}
		if note != "" {
			fmt.Fprintf(out, "  %s (%s): %s\n", m.Name, m.File, note)
		}
	}
	return nil
}

// sizeString prints a byte count as people read it.
func sizeString(n int64, approx bool) string {
	if n <= 0 {
		return "?"
	}
	s := ""
	switch {
	case n >= 1e6:
		s = fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		s = fmt.Sprintf("%.1f kB", float64(n)/1e3)
	default:
		s = fmt.Sprintf("%d B", n)
	}
	if approx {
		s = "≈" + s
	}
	return s
}

func runZooFetch(args []string, out io.Writer) error {
	fs := newFlags("zoo fetch", "NAME [--from URL|FILE] [--models-dir DIR]", out)
	dir := fs.String("models-dir", "", "the models folder to fetch into (default $INVREP_MODELS, else "+zoo.DefaultDir()+")")
	from := fs.String("from", "", "take the file from this URL or local path instead of $"+zoo.MirrorEnv+" or the model's public address (its SHA-256 is still checked)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return parse(fs, args)
	}
	if fs.NArg() != 1 {
		return usagef("want one model name: 'invrep zoo fetch NAME' (names: 'invrep zoo list')")
	}
	name := fs.Arg(0)
	m, ok := zoo.Lookup(name)
	if !ok {
		msg := fmt.Sprintf("no zoo model named %q", name)
		if c := onnxload.Closest(name, zoo.Names(), 3); len(c) > 0 {
			msg += "; closest: " + strings.Join(c, ", ")
		}
		return usagef("%s (the names: 'invrep zoo list')", msg)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	f := zoo.Fetch{From: *from, Dir: *dir}
	var bar *progressbar.ProgressBar
	if isTerminal(out) && !*quiet {
		f.Progress = func(done, total int64) {
			if bar == nil {
				bar = progressbar.DefaultBytes(total, "fetching "+name)
			}
			bar.Set64(done)
		}
	}
	res, err := m.Fetch(ctx, f)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	switch {
	case res.Present:
		fmt.Fprintf(out, "%s is already in %s (checksum ok)\n", name, res.Path)
	case res.Verified:
		fmt.Fprintf(out, "fetched %s from %s into %s (SHA-256 %s matches the registry", name, res.Source, res.Path, res.SHA256)
		if res.Resumed > 0 {
			fmt.Fprintf(out, "; continued after %d bytes", res.Resumed)
		}
		fmt.Fprintln(out, ")")
	default:
		fmt.Fprintf(out, "fetched %s from %s into %s; NOT VERIFIED: the registry has no checksum for it, the file's SHA-256 is %s\n", name, res.Source, res.Path, res.SHA256)
	}
	return nil
}

func runZooClasses(args []string, out io.Writer) error {
	fs := newFlags("zoo classes", "NAME [--models-dir DIR] [--grep WORD]", out)
	dir := fs.String("models-dir", "", "the models folder (a folder's own imagenet_synsets.txt is read first)")
	grep := fs.String("grep", "", "only classes whose names contain this (case folded)")
	if err := fs.Parse(args); err != nil {
		return parse(fs, args)
	}
	if fs.NArg() != 1 {
		return usagef("want one model name: 'invrep zoo classes NAME'")
	}
	m, ok := zoo.Lookup(fs.Arg(0))
	if !ok {
		return usagef("no zoo model named %q ('invrep zoo list'); an ONNX file's classes are its output indices", fs.Arg(0))
	}
	labels, err := m.ClassLabels(*dir)
	if err != nil {
		return err
	}
	want := strings.ToLower(*grep)
	for i, syn := range labels.Synonyms {
		line := strings.Join(syn, ", ")
		if want == "" || strings.Contains(strings.ToLower(line), want) {
			fmt.Fprintf(out, "%d\t%s\n", i, line)
		}
	}
	return nil
}
