package onnxload

import (
	"os"
	"testing"

	"github.com/invrep/invrep/graph"
)

// TestMain runs the package's tests with every buffer a program gives
// back poisoned with NaN: a kernel that reads a value after its last
// declared reader (graph.GradReader) fails the tests that use it.
func TestMain(m *testing.M) {
	graph.PoisonLent = true
	os.Exit(m.Run())
}
