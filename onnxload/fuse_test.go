package onnxload

import (
	"math"
	"testing"
)

// TestSiLUFused: Mul(x, Sigmoid(x)), in either operand order, is planned
// as one SiLU op and computes x·σ(x); a Sigmoid read elsewhere too is left
// as written.
func TestSiLUFused(t *testing.T) {
	for _, swap := range []bool{false, true} {
		f := newFixture(13, 1, 2, 3, 4)
		s := f.node("Sigmoid", []string{"x"}, nil)
		in := []string{"x", s}
		if swap {
			in = []string{s, "x"}
		}
		y := f.node("Mul", in, nil)
		m, err := f.model(y)
		if err != nil {
			t.Fatal(err)
		}
		need := make([]bool, len(m.Nodes))
		for i := range need {
			need[i] = true
		}
		p := planFusion(m, need, []string{y})
		if c := p.chains[&m.Nodes[1]]; c == nil || c.kind != "SiLU" || !p.absorbed[&m.Nodes[0]] {
			t.Fatalf("swap %v: not fused: %+v", swap, p)
		}
		x := randInput(3, 1, 2, 3, 4)
		got, err := eval(m, y, x)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range x.Data {
			want := float64(v) / (1 + math.Exp(-float64(v)))
			if math.Abs(float64(got.Data[i])-want) > 1e-6*(1+math.Abs(want)) {
				t.Fatalf("swap %v: [%d] = %g, want %g", swap, i, got.Data[i], want)
			}
		}
	}
	// The sigmoid also asked for: built as written.
	f := newFixture(13, 1, 2, 3, 4)
	s := f.node("Sigmoid", []string{"x"}, nil)
	y := f.node("Mul", []string{"x", s}, nil)
	m, _ := f.model(y)
	need := []bool{true, true}
	if p := planFusion(m, need, []string{y, s}); len(p.chains) != 0 {
		t.Errorf("fused although the sigmoid is an output: %+v", p)
	}
}
