package graph

import (
	"testing"

	"gorgonia.org/tensor"
)

// TestAddEngine checks the vector Add in each of the forms gorgonia calls
// it (into a new tensor, into a, into reuse, added to incr), on a length
// with a vector tail, reuse being a or b too, and what it leaves to the
// standard engine.
func TestAddEngine(t *testing.T) {
	const n = 37
	vals := func(f func(i int) float32) *tensor.Dense {
		d := make([]float32, n)
		for i := range d {
			d[i] = f(i)
		}
		return tensor.New(tensor.WithShape(n), tensor.WithBacking(d))
	}
	a := func() *tensor.Dense { return vals(func(i int) float32 { return float32(i) }) }
	b := vals(func(i int) float32 { return 0.5 * float32(i*i) })
	want := func(i int, base float32) float32 { return base + float32(i) + 0.5*float32(i*i) }
	check := func(name string, got tensor.Tensor, base func(int) float32) {
		t.Helper()
		for i, v := range got.Data().([]float32) {
			if w := want(i, base(i)); v != w {
				t.Fatalf("%s: [%d] = %g, want %g", name, i, v, w)
			}
		}
	}
	zero := func(int) float32 { return 0 }
	e := addEngine{}

	x := a()
	r, err := e.Add(x, b)
	if err != nil {
		t.Fatal(err)
	}
	check("safe", r, zero)
	check("safe leaves a", x, func(i int) float32 { return -0.5 * float32(i*i) })

	x = a()
	r, _ = e.Add(x, b, tensor.UseUnsafe())
	if r != tensor.Tensor(x) {
		t.Fatal("unsafe: result is not a")
	}
	check("unsafe", x, zero)

	reuse := vals(func(int) float32 { return 99 })
	r, _ = e.Add(a(), b, tensor.WithReuse(reuse))
	if r != tensor.Tensor(reuse) {
		t.Fatal("reuse: result is not reuse")
	}
	check("reuse", reuse, zero)

	// reuse may be a or b itself.
	x = a()
	e.Add(x, b, tensor.WithReuse(x))
	check("reuse a", x, zero)
	y := vals(func(i int) float32 { return 0.5 * float32(i*i) })
	e.Add(a(), y, tensor.WithReuse(y))
	check("reuse b", y, zero)

	incr := vals(func(i int) float32 { return 3 })
	e.Add(a(), b, tensor.WithIncr(incr))
	check("incr", incr, func(int) float32 { return 3 })

	// Shapes that differ go to the standard engine.
	b2 := tensor.New(tensor.WithShape(1, n), tensor.WithBacking(b.Data()))
	r, err = e.Add(a(), b2)
	if err != nil {
		t.Fatal(err)
	}
	check("standard engine", r, zero)
}
