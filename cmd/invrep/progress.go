package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/invrep/invrep/invert"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressBar shows iterations, the energy and its terms, and the time
// left, on stdout when it is a terminal and --quiet is not set; it returns
// nil otherwise.
func progressBar(out io.Writer, quiet bool, total int, what string) *progressbar.ProgressBar {
	if quiet || !isTerminal(out) {
		return nil
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionFullWidth(),
		progressbar.OptionClearOnFinish(),
	)
}

// describe formats an iteration's energy and terms for the bar.
func describe(p invert.Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "E %.4g", p.Energy)
	for i, n := range p.TermNames {
		fmt.Fprintf(&b, " %s %.3g", n, p.Terms[i])
	}
	return b.String()
}

// isTerminal says whether out is a terminal (where progress is drawn).
func isTerminal(out io.Writer) bool {
	f, ok := out.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
