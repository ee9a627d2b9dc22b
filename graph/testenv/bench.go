package testenv

import (
	"flag"
	"testing"
)

// Loop runs one step of a benchmark b.N times after resetting the timer
// (a compiled program's Run, say), failing at the first error, and reports
// flops per step as GFLOP/s.
func Loop(b *testing.B, flops float64, step func() error) {
	b.Helper()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// Benchmarking reports whether the test binary was asked to run benchmarks
// (-test.bench), parsing the flags: a TestMain then leaves off checks that
// cost time on every run, such as graph.PoisonLent, which fills each
// buffer a program gives back with NaN (a third of a small op's time).
func Benchmarking() bool {
	flag.Parse()
	f := flag.Lookup("test.bench")
	return f != nil && f.Value.String() != ""
}
