package invert

import (
	"os"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/testenv"
)

// TestMain runs the package's tests with every buffer a program gives
// back poisoned with NaN: a kernel that reads a value after its last
// declared reader (graph.GradReader) fails the tests that use it. A run
// of benchmarks leaves the poison off: it would be timed with them.
func TestMain(m *testing.M) {
	graph.PoisonLent = !testenv.Benchmarking()
	os.Exit(m.Run())
}
