package main

import (
	"math/big"
	"testing"
)

// FuzzSizeFlags: --size and --input-shape never panic, and what they accept
// is positive and small enough that products of it cannot wrap.
func FuzzSizeFlags(f *testing.F) {
	for _, s := range []string{"224", "32x48", "4294967296", "4611686018427387905x4", "1,3,224,224", "1,3,4294967296,4294967296", "-1", "0x0", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if w, h, err := parseSize(v); err == nil {
			if w <= 0 || h <= 0 || w > maxSide || h > maxSide {
				t.Fatalf("parseSize(%q) accepted %d×%d", v, w, h)
			}
		}
		if dims, err := parseShapeFlag("input-shape", v); err == nil && dims != nil {
			p := big.NewInt(1)
			for _, d := range dims {
				if d <= 0 {
					t.Fatalf("parseShapeFlag(%q) accepted %v", v, dims)
				}
				p.Mul(p, big.NewInt(int64(d)))
			}
			if p.Cmp(big.NewInt(maxElements)) > 0 {
				t.Fatalf("parseShapeFlag(%q) accepted %v, %s elements", v, dims, p)
			}
		}
	})
}
