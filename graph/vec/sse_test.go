package vec

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoLegacySSE: the assembly uses only VEX and EVEX encodings on XMM
// registers. A legacy SSE instruction (MOVD AX, X13) among AVX ones costs
// a state transition on each call on some Intel cores: one in
// maxPool3s2AVX's set-up made a 3×3 max-pool sixteen times slower than its
// loop (3.1 ms for ResNet-50's first pool, 0.45 ms without).
func TestNoLegacySSE(t *testing.T) {
	files, err := filepath.Glob("../../*/*.s")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../../*/*/*.s")
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("found %d assembly files from %s; the test expects the repository's layout", len(files), "graph/vec")
	}
	xmm := regexp.MustCompile(`\bX\d+\b`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			code, _, _ := strings.Cut(line, "//")
			fields := strings.Fields(code)
			if len(fields) == 0 || strings.HasPrefix(fields[0], "#") || strings.HasSuffix(fields[0], ":") {
				continue
			}
			if xmm.MatchString(code) && !strings.HasPrefix(fields[0], "V") {
				t.Errorf("%s:%d: %s is a legacy SSE instruction; use its V form", f, i+1, strings.TrimSpace(code))
			}
		}
	}
}
