package invert

import (
	"errors"
	"testing"
)

// FuzzParseObjective: any expression parses or is refused with an
// ExprError at a column inside it; what parses has at most MaxTerms
// finite-weighted terms. No panic.
func FuzzParseObjective(f *testing.F) {
	for _, s := range []string{
		"fire7:12 - 0.5*fire7:13@c + 1e-3*tv", "m:dir=d.npy@3,4 + -2*m:cos=d.npy", "a:1~b:2 + x:diversity + y:align",
		"NaN*f:1", "1e309*f:1", "f:1@-1,2", "f:99999999999999999999", "*", "- -", "f:1 +  + f:2", ":1", "a::1", "~", "f:dir=@",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		obj, err := ParseObjective(expr, testEnv)
		if err != nil {
			var e *ExprError
			if !errors.As(err, &e) || e.Col < 0 || e.Col > len(expr) {
				t.Fatalf("%q: %v is not an ExprError inside the expression", expr, err)
			}
			return
		}
		if len(obj) == 0 || len(obj) > MaxTerms {
			t.Fatalf("%q: %d terms", expr, len(obj))
		}
		for _, w := range obj {
			if w.W != w.W || w.W > 1e308 || w.W < -1e308 {
				t.Fatalf("%q: weight %g", expr, w.W)
			}
		}
	})
}

// FuzzParseAugmentations: any --transforms list parses or is refused; what
// parses leaves images at least the model's size, canvases bounded by the
// pad limit (so that charging them cannot wrap), and no panic.
func FuzzParseAugmentations(f *testing.F) {
	for _, s := range []string{"standard", "none", "pad=12,jitter=8,scale,rotate,jitter=4", "rotate=180", "scale=0.5:2",
		"pad=100000", "jitter=9223372036854775807", "rotate=-1", "scale=1:NaN", "scale=1:Inf", "pad=224,pad=224,pad=224", ",", "jitter=3,jitter=3"} {
		f.Add(s, 224, 224)
	}
	f.Fuzz(func(t *testing.T, list string, h, w int) {
		if h <= 0 || w <= 0 || h > 4096 || w > 4096 {
			return
		}
		a, err := ParseAugmentations(list, h, w)
		if err != nil {
			return
		}
		shape := []int{1, 3, h, w}
		for _, t0 := range a {
			shape = t0.Out(shape)
		}
		if len(a) > 0 && (shape[2] != h || shape[3] != w) {
			t.Fatalf("%q on %d×%d leaves %v", list, h, w, shape)
		}
		if n := a.Largest([]int{1, 3, h, w}); n <= 0 || n > 3*int64(h+2*max(h, w)*len(a))*int64(w+2*max(h, w)*len(a)) {
			t.Fatalf("%q on %d×%d: largest canvas %d values", list, h, w, n)
		}
	})
}
