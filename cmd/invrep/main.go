// Command invrep inverts image representations: ONNX CNNs at any named
// node, HOG and dense SIFT. Run 'invrep help' for the commands.
//
// Exit status: 0 success, 1 failure, 2 usage error (a bad flag or argument).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/invrep/invrep/onnxload"
	"github.com/invrep/invrep/zoo"
	"github.com/spf13/pflag"
)

// version is the invrep release, written into reports.
const version = "0.1.0"

type command struct {
	summary string
	run     func(args []string, out io.Writer) error
}

var commands = map[string]command{
	"layers":     {"list a model's nodes with their op types and output shapes", runLayers},
	"features":   {"write a node's activation (or HOG/DSIFT features) to a .npy file", runFeatures},
	"invert":     {"reconstruct an image from its representation at a node", runInvert},
	"caricature": {"exaggerate what a layer sees in a photo (IJCV caricatures)", runCaricature},
	"visualize":  {"feature visualisation: images that maximise an objective of a model's layers (Lucid's, for any ONNX model)", runVisualize},
	"maximize":   {"images that raise a layer's channels or a class (IJCV activation maximisation)", runMaximize},
	"zoo":        {"list the known models, whether their files are present and their checksums match", runZoo},
	"sweep":      {"invert many layers × images (resumable, shardable), one JSON line per run", runSweep},
	"report":     {"tables, a plot and montages of one or more sweeps, as one static HTML page", runReport},
	"eval":       {"the paper's Table 1: inversion error of HOG, HOGb and DSIFT over a folder of photos", runEval},
}

// usageError marks a mistake in how invrep was called (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "invrep: internal error: %v\n", r)
			code = 1
		}
	}()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if _, ok := commands[args[1]]; ok {
				return run([]string{args[1], "--help"}, stdout, stderr)
			}
		}
		printUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		printVersion(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "invrep: unknown command %q (run 'invrep help')\n", args[0])
		return 2
	}
	err := cmd.run(args[1:], stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, pflag.ErrHelp):
		return 0
	}
	fmt.Fprintf(stderr, "invrep %s: %v%s\n", args[0], err, hint(err))
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// hint adds to a library's error what the command line offers about it:
// the libraries name no flag or subcommand.
func hint(err error) string {
	var (
		name    *onnxload.NameError
		limit   *onnxload.LimitError
		missing *zoo.MissingError
	)
	switch {
	case errors.As(err, &name):
		return " (list them with 'invrep layers', modules with 'invrep layers --modules')"
	case errors.As(err, &limit):
		return " (raise the limit with --max-memory)"
	case errors.As(err, &missing):
		return " (point --models-dir or $INVREP_MODELS at the models; 'invrep zoo list' shows the known ones)"
	}
	return ""
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "invrep %s: understand image representations by inverting them\n\nUsage: invrep COMMAND [flags]\n\nCommands:\n", version)
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	width := len("version")
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-*s  %s\n", width, "version", "this build: module, commit, Go, build tags, the vector paths in use")
	fmt.Fprintln(w, "\nRun 'invrep COMMAND --help' for a command's flags. Exit status: 0 success, 1 failure, 2 usage error.")
}

// newFlags returns a flag set whose parse errors are usage errors and whose
// --help prints the command's synopsis.
func newFlags(name, synopsis string, out io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: invrep %s %s\n\nFlags:\n%s", name, synopsis, fs.FlagUsages())
	}
	return fs
}

// parse parses flags; extra positional arguments are usage errors.
func parse(fs *pflag.FlagSet, args []string) error {
	err := fs.Parse(args) // --help prints the usage itself
	if errors.Is(err, pflag.ErrHelp) {
		return err
	}
	if err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", strings.Join(fs.Args(), " "))
	}
	return nil
}

func required(fs *pflag.FlagSet, names ...string) error {
	for _, n := range names {
		if !fs.Changed(n) {
			return usagef("flag --%s is required", n)
		}
	}
	return nil
}
