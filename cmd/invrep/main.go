// Command invrep inverts image representations: ONNX CNNs at any named
// node, HOG and dense SIFT. Run 'invrep help' for the commands.
//
// Exit status, one rule for every command: 0 success; 2 the command line
// is wrong (an unknown command or flag, a malformed value, or a value that
// names what the model or the zoo does not have: a layer, a channel, a
// class, a size); 1 the command line is right but the work failed (a file
// that cannot be read or is not what it claims, a model that cannot be
// built or cannot be trusted, an optimisation that diverged).
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
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
	"zoo":        {"the known models: list them (present? checksum?), fetch one into the models folder, list a classifier's classes", runZoo},
	"sweep":      {"invert many layers × images (resumable, shardable), one JSON line per run", runSweep},
	"report":     {"tables, a plot and montages of one or more sweeps, as one static HTML page", runReport},
	"leak":       {"the leakage curve: how much of the photo each layer gives back (PSNR, SSIM, feature error) against depth, a sweep preset", runLeak},
	"eval":       {"the paper's Table 1: inversion error of HOG, HOGb and DSIFT over a folder of photos", runEval},
	"samples":    {"write the built-in photos (two, CC0) into a folder, to try the commands on", runSamples},
}

// usageError marks a mistake in how invrep was called (exit status 2).
type usageError struct {
	msg string
	err error // what the mistake was found by, for errors.As
}

func (e usageError) Error() string { return e.msg }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return usageError{err.Error(), errors.Unwrap(err)}
}

// exitCode applies the rule above to an error.
func exitCode(err error) int {
	var (
		u     usageError
		name  *onnxload.NameError
		class *zoo.ClassError
	)
	if errors.As(err, &u) || errors.As(err, &name) || errors.As(err, &class) {
		return 2
	}
	return 1
}

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
		if len(args) > 1 {
			if args[1] == "--help" || args[1] == "-h" {
				fmt.Fprintln(stdout, "Usage: invrep version\n\nPrints the release, the module version and commit it was built from, the Go version and build tags, and the vector paths in use. It takes no flags.")
				return 0
			}
			fmt.Fprintf(stderr, "invrep version: unexpected argument %q (it takes none)\n", strings.Join(args[1:], " "))
			return 2
		}
		printVersion(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		names := []string{"help", "version"}
		for n := range commands {
			names = append(names, n)
		}
		sort.Strings(names)
		suggest := ""
		if c := onnxload.Closest(args[0], names, 1); len(c) > 0 {
			suggest = fmt.Sprintf("; did you mean '%s'?", c[0])
		}
		fmt.Fprintf(stderr, "invrep: unknown command %q%s (run 'invrep help' for the list)\n", args[0], suggest)
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
	return exitCode(err)
}

// hint adds to a library's error what the command line offers about it:
// the libraries name no flag or subcommand.
func hint(err error) string {
	var (
		name    *onnxload.NameError
		limit   *onnxload.LimitError
		missing *zoo.MissingError
		consts  *zoo.ConstantWeightsError
		class   *zoo.ClassError
	)
	switch {
	case errors.As(err, &name) && name.Modules:
		return " (list them with 'invrep layers', module paths with 'invrep layers --modules')"
	case errors.As(err, &name):
		return " (list them with 'invrep layers')"
	case errors.As(err, &class):
		return " (list them with 'invrep zoo classes MODEL')"
	case errors.As(err, &limit):
		return " (raise the limit with --max-memory)"
	case errors.As(err, &consts):
		return "; to study its architecture, give it seeded random weights with --random-weights SEED (e.g. --random-weights 1)"
	case errors.As(err, &missing) && missing.Entry != "":
		return fmt.Sprintf(" (fetch it with 'invrep zoo fetch %s', or point --models-dir or $INVREP_MODELS at a folder that holds it)", missing.Entry)
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
		return usageError{msg: flagError(fs, args, err)}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", strings.Join(fs.Args(), " "))
	}
	return finiteFlags(fs)
}

// finiteFlags refuses NaN and ±Inf in every number flag given: no weight,
// rate or exponent means anything infinite, and one let through would
// run to the end and fail there (JSON cannot hold +Inf).
func finiteFlags(fs *pflag.FlagSet) error {
	var bad error
	fs.Visit(func(f *pflag.Flag) {
		if bad != nil {
			return
		}
		var vals []string
		switch f.Value.Type() {
		case "float64", "float32":
			vals = []string{f.Value.String()}
		case "float64Slice", "float32Slice":
			vals = strings.Split(strings.Trim(f.Value.String(), "[]"), ",")
		default:
			return
		}
		for _, v := range vals {
			if x, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
				bad = usagef("--%s %s: want a finite number", f.Name, v)
				return
			}
		}
	})
	return bad
}

func required(fs *pflag.FlagSet, names ...string) error {
	for _, n := range names {
		if !fs.Changed(n) {
			return usagef("flag --%s is required", n)
		}
	}
	return nil
}

// flagError rewrites pflag's parse errors to say what to type instead: the
// closest flag to an unknown one, and that flags take two dashes where a
// long name was given one (-model reads as the shorthands -m -o -d …).
func flagError(fs *pflag.FlagSet, args []string, err error) string {
	msg := err.Error()
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	if rest, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if c := onnxload.Closest(rest, names, 1); len(c) > 0 {
			return fmt.Sprintf("%s; did you mean --%s?", msg, c[0])
		}
		return msg + " (run with --help for the flags)"
	}
	if strings.HasPrefix(msg, "unknown shorthand flag") {
		for _, a := range args {
			if a == "--" {
				break
			}
			if !strings.HasPrefix(a, "-") || strings.HasPrefix(a, "--") || len(a) < 3 || !strings.Contains(msg, " in "+a) {
				continue
			}
			long, _, _ := strings.Cut(a[1:], "=")
			if fs.Lookup(long) != nil {
				return fmt.Sprintf("%s: flags take two dashes, --%s", msg, long)
			}
			if c := onnxload.Closest(long, names, 1); len(c) > 0 {
				return fmt.Sprintf("%s: flags take two dashes; did you mean --%s?", msg, c[0])
			}
		}
		return msg + " (flags take two dashes: --name)"
	}
	return msg
}
