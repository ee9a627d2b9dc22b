package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"golang.org/x/sys/cpu"

	"github.com/invrep/invrep/graph"
)

// commit is set at link time where the build has no VCS information (the
// container build: -ldflags "-X main.commit=…").
var commit = ""

// printVersion says what this binary is: the release, the module version
// and commit it was built from, the Go version and build tags, and which
// vector paths the machine runs.
func printVersion(out io.Writer) {
	mod, rev, tags, modified := "(devel)", "unknown", "none", false
	if commit != "" {
		rev = commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			mod = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			case "-tags":
				tags = s.Value
			}
		}
	}
	if modified {
		rev += " (modified)"
	}
	avx2 := "off"
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		avx2 = "on"
	}
	avx512 := "not present"
	if cpu.X86.HasAVX512F {
		avx512 = "present (the matrix product's 6×32 kernel uses it)"
	}
	fmt.Fprintf(out, "invrep %s\nmodule %s, commit %s\n%s %s/%s, build tags %s\nmatrix product: %s\nAVX2/FMA paths %s; AVX-512 %s\n",
		version, mod, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH, tags, graph.BLAS(), avx2, avx512)
}
