package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/invrep/invrep/zoo"
)

func runZoo(args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && !strings.HasPrefix(args[0], "-")) {
		return usagef("want 'invrep zoo list [--models-dir DIR]'")
	}
	if args[0] == "list" {
		args = args[1:]
	}
	fs := newFlags("zoo list", "[--models-dir DIR]", out)
	dir := fs.String("models-dir", "", "where models are looked up (default $INVREP_MODELS, else ../shared/models)")
	if err := parse(fs, args); err != nil {
		return err
	}
	// A folder that is not there is said, not shown as every model absent.
	if st, err := os.Stat(zoo.Dir(*dir)); err != nil || !st.IsDir() {
		from := "--models-dir"
		if *dir == "" && os.Getenv("INVREP_MODELS") != "" {
			from = "$INVREP_MODELS"
		} else if *dir == "" {
			from = "the default"
		}
		return fmt.Errorf("models folder %s (%s) does not exist", zoo.Dir(*dir), from)
	}
	fmt.Fprintf(out, "models in %s\n", zoo.Dir(*dir))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFILE\tPRESENT\tCHECKSUM\tINPUT\tNOTE")
	for _, m := range zoo.Registry {
		present, sum, err := m.Status(*dir)
		if err != nil {
			return err
		}
		p := "no"
		if present {
			p = "yes"
		}
		if !present {
			sum = "-"
		}
		note := m.Note
		if m.ArchOnly {
			note = strings.TrimPrefix(note+"; architecture only: use --random-weights SEED", "; ")
		}
		if !present && m.URL != "" {
			note = strings.TrimPrefix(note+"; "+m.URL, "; ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %dx%d\t%s\n", m.Name, m.File, p, sum, m.Input, m.Size[0], m.Size[1], note)
	}
	return tw.Flush()
}
