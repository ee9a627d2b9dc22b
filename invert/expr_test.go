package invert

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

var testEnv = ExprEnv{
	Layer: func(name string) (string, error) {
		if name == "nope" {
			return "", errors.New("no layer nope")
		}
		return "node/" + name, nil
	},
	Direction: func(path string) ([]float32, error) {
		switch path {
		case "d.npy":
			return []float32{1, 2}, nil
		case "nan.npy":
			return []float32{1, float32(math.NaN())}, nil
		case "inf.npy":
			return []float32{float32(math.Inf(1)), 2}, nil
		case "zero.npy":
			return []float32{0, 0}, nil
		}
		return nil, fmt.Errorf("%s: no such file", path)
	},
}

func TestParseObjective(t *testing.T) {
	obj, err := ParseObjective("fire7:12 - 0.5*fire7:13@c + 1e-3*tv  -  mix:dir=d.npy + -2*mix:cos=d.npy + a:b:3@1,2 + x:diversity + 3*p:1~q:2 + m:dir=d.npy@c + y:align", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		w    float64
		term Term
	}{
		{1, Channel{"node/fire7", 12}},
		{-0.5, Neuron{"node/fire7", 13, -1, -1}},
		{1e-3 / (255 * 255), PerPixel{TV{Beta: 2}}},
		{-1, Direction{Layer: "node/mix", V: []float32{1, 2}}},
		{-2, Direction{Layer: "node/mix", V: []float32{1, 2}, Cosine: true}},
		{1, Neuron{"node/a:b", 3, 1, 2}},
		{1, Diversity{"node/x"}},
		{3, ChannelInterpolate{"node/p", 1, "node/q", 2}},
		{1, DirectionNeuron{Layer: "node/m", V: []float32{1, 2}, X: -1, Y: -1}},
		{1, Alignment{Layer: "node/y"}},
	}
	if len(obj) != len(want) {
		t.Fatalf("%d terms: %v", len(obj), obj)
	}
	for i, w := range want {
		if obj[i].W != w.w || fmt.Sprint(obj[i].Term) != fmt.Sprint(w.term) {
			t.Errorf("term %d: %g·%v, want %g·%v", i, obj[i].W, obj[i].Term, w.w, w.term)
		}
	}
	for _, c := range []struct {
		expr string
		col  int
		msg  string
	}{
		{"", 0, "empty"},
		{"fire7:x", 6, "not a channel"},
		{"fire7:1 + ", 10, "missing"},
		{"fire7:1 fire7:2", 8, "where + or - was expected"},
		{"+ fire7:1", 0, "where a term was expected"},
		{"a*fire7:1", 0, "not a number"},
		{"nope:1", 0, "no layer nope"},
		{"fire7:1 + l:dir=e.npy", 16, "no such file"},
		{"fire7:1@3", 8, "want @x,y"},
		{"banana", 0, "want layer:channel"},
		{"p:1~q:x", 6, "not a channel"},
		{"m:cos=d.npy@c", 2, "dot product"},
		// Faults named before the run, not found as a divergence at its
		// first iteration.
		{"NaN*fire7:1", 0, "not a finite number"},
		{"fire7:1 - Inf*fire7:2", 10, "not a finite number"},
		{"m:dir=nan.npy", 6, "value 1 is NaN"},
		{"m:cos=inf.npy", 6, "value 0 is +Inf"},
		{"m:dir=zero.npy", 6, "every value is 0"},
		{strings.TrimSuffix(strings.Repeat("f:1 + ", MaxTerms+1), " + "), 0, "more than the 100"},
	} {
		_, err := ParseObjective(c.expr, testEnv)
		var e *ExprError
		if !errors.As(err, &e) || e.Col != c.col || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%q: %v (want column %d, %q)", c.expr, err, c.col+1, c.msg)
		}
	}
}

// TestLayersResolvedOnce: a layer named by many terms is looked up once
// (a module path walks the model: seconds a term on deep models).
func TestLayersResolvedOnce(t *testing.T) {
	calls := 0
	env := testEnv
	env.Layer = func(name string) (string, error) { calls++; return "node/" + name, nil }
	if _, err := ParseObjective(strings.TrimSuffix(strings.Repeat("features.10:1 + ", 50), " + "), env); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("the layer was resolved %d times for 50 terms", calls)
	}
}
