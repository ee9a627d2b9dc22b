package scratch

import "testing"

// TestTakeGive: a given buffer comes back for a request it holds (the
// smallest that does), not for a larger one, and lengths are as asked.
func TestTakeGive(t *testing.T) {
	a, b := Take(100), Take(1000)
	if len(a) != 100 || len(b) != 1000 {
		t.Fatalf("lengths %d, %d", len(a), len(b))
	}
	a[0], b[0] = 1, 2
	Give(b)
	Give(a)
	c := Take(50) // a is the smallest that holds 50
	if cap(c) != cap(a) || &c[:1][0] != &a[0] {
		t.Fatalf("Take(50) did not reuse the 100-float buffer (cap %d)", cap(c))
	}
	d := Take(500)
	if &d[:1][0] != &b[0] || len(d) != 500 {
		t.Fatal("Take(500) did not reuse the 1000-float buffer")
	}
	e := Take(2000)
	if len(e) != 2000 || &e[0] == &b[0] {
		t.Fatal("Take(2000) reused a smaller buffer")
	}
	Give(c)
	Give(d)
	Give(e)
}
