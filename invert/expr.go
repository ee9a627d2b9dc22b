package invert

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ExprEnv resolves what an objective expression names: a layer (a node
// output, module path or alias, to the node output) and a direction
// file's vector.
type ExprEnv struct {
	Layer     func(name string) (string, error)
	Direction func(path string) ([]float32, error)
}

// MaxTerms bounds an objective's terms: each builds an op the size of its
// layer, and the graph library's type inference over a sum grows faster
// than its length (1,000 terms took 7 s, 10,000 over 15 minutes).
const MaxTerms = 100

// cached resolves each layer name once: a module path is looked up by
// walking the model, which took seconds a term on deep models.
func (e ExprEnv) cached() ExprEnv {
	if e.Layer == nil {
		return e
	}
	type answer struct {
		name string
		err  error
	}
	seen := map[string]answer{}
	layer := e.Layer
	e.Layer = func(name string) (string, error) {
		if a, ok := seen[name]; ok {
			return a.name, a.err
		}
		n, err := layer(name)
		seen[name] = answer{n, err}
		return n, err
	}
	return e
}

// ExprError is a mistake in an objective expression, at a column.
type ExprError struct {
	Expr string
	Col  int // 0-based
	Msg  string
}

func (e *ExprError) Error() string {
	// A long expression is shown around the column only: the message of
	// an 8,000-term objective should not be the objective.
	expr, col := e.Expr, e.Col
	const span = 60
	if len(expr) > 2*span {
		lo, hi := max(col-span, 0), min(col+span, len(expr))
		pre, post := "", ""
		if lo > 0 {
			pre = "…"
		}
		if hi < len(expr) {
			post = "…"
		}
		expr, col = pre+expr[lo:hi]+post, col-lo+len([]rune(pre))
	}
	return fmt.Sprintf("%s at column %d\n  %s\n  %s^", e.Msg, e.Col+1, expr, strings.Repeat(" ", col))
}

// ParseObjective reads an objective expression, an energy to minimise:
// terms joined by " + " and " - " (spaces around), each an atom with an
// optional factor "W*":
//
//	layer:C          minus channel C's mean activation (Channel)
//	layer:C@X,Y      minus one unit (Neuron; @c for the centre)
//	layer:dir=F.npy  minus the dot product with F's vector (Direction)
//	layer:cos=F.npy  minus the cosine with it
//	layer:dir=F.npy@X,Y  minus the dot product at one position (DirectionNeuron)
//	layer:diversity  the batch's Gram similarity (Diversity)
//	layer:align      neighbouring images' differences (Alignment)
//	a:C~b:D          channel C of a at the first image to D of b at the last
//	                 (ChannelInterpolate)
//	tv, l1, l2, blur priors on the image in 0..1 units, per pixel: total
//	                 variation (squared differences), mean |x|, mean x², and
//	                 ½‖x − blur(x)‖² (Blur)
//
// so that 'fire7:12 - 0.5*fire7:13 + 1e-3*tv' raises channel 12, lowers 13
// and smooths the image.
func ParseObjective(expr string, env ExprEnv) (Objective, error) {
	var obj Objective
	sign, expectTerm := 1.0, true
	col := 0
	fields := strings.Fields(expr)
	if len(fields) == 0 {
		return nil, &ExprError{expr, 0, "empty objective"}
	}
	if terms := (len(fields) + 1) / 2; terms > MaxTerms {
		return nil, &ExprError{expr, 0, fmt.Sprintf("%d terms, more than the %d an objective takes (each is a layer-sized op; for many channels use --channels or a direction file)", terms, MaxTerms)}
	}
	env = env.cached()
	for _, f := range fields {
		col = strings.Index(expr[col:], f) + col
		switch {
		case f == "+" || f == "-":
			if expectTerm {
				return nil, &ExprError{expr, col, fmt.Sprintf("%q where a term was expected", f)}
			}
			sign, expectTerm = 1, true
			if f == "-" {
				sign = -1
			}
		case !expectTerm:
			return nil, &ExprError{expr, col, fmt.Sprintf("%q where + or - was expected (put spaces around operators)", f)}
		default:
			w, term, err := parseTerm(f, env)
			if err != nil {
				return nil, &ExprError{expr, col + err.off, err.msg}
			}
			obj = append(obj, Weighted{W: sign * w, Term: term})
			expectTerm = false
		}
		col += len(f)
	}
	if expectTerm {
		return nil, &ExprError{expr, len(expr), "a term is missing after the last operator"}
	}
	return obj, nil
}

type termError struct {
	off int
	msg string
}

// parseTerm reads [W*]atom, with a leading - for a negative term.
func parseTerm(f string, env ExprEnv) (float64, Term, *termError) {
	w, off := 1.0, 0
	if strings.HasPrefix(f, "-") {
		w, off = -1, 1
	}
	if i := strings.Index(f[off:], "*"); i >= 0 {
		v, err := strconv.ParseFloat(f[off:off+i], 64)
		if err != nil {
			return 0, nil, &termError{off, fmt.Sprintf("%q is not a number", f[off:off+i])}
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, nil, &termError{off, fmt.Sprintf("weight %q is not a finite number", f[off:off+i])}
		}
		w *= v
		off += i + 1
	}
	atom := f[off:]
	switch atom {
	case "tv":
		return w / (255 * 255), PerPixel{TV{Beta: 2}}, nil
	case "l1":
		return w / 255, PerPixel{AlphaNorm{Alpha: 1}}, nil
	case "l2":
		return w / (255 * 255), PerPixel{AlphaNorm{Alpha: 2}}, nil
	case "blur":
		return w / (255 * 255), PerPixel{Blur{}}, nil
	}
	if a, b, ok := strings.Cut(atom, "~"); ok {
		ta, errA := channelAtom(a, env)
		if errA != nil {
			return 0, nil, &termError{off + errA.off, errA.msg}
		}
		tb, errB := channelAtom(b, env)
		if errB != nil {
			return 0, nil, &termError{off + len(a) + 1 + errB.off, errB.msg}
		}
		return w, ChannelInterpolate{ta.Layer, ta.C, tb.Layer, tb.C}, nil
	}
	i := strings.LastIndex(atom, ":")
	if i <= 0 {
		return 0, nil, &termError{off, fmt.Sprintf("%q: want layer:channel, layer:channel@x,y, layer:dir=FILE, layer:cos=FILE, layer:diversity, tv, l1, l2 or blur", atom)}
	}
	layer, what := atom[:i], atom[i+1:]
	name, err := env.Layer(layer)
	if err != nil {
		return 0, nil, &termError{off, err.Error()}
	}
	at := off + i + 1
	switch {
	case what == "diversity":
		return w, Diversity{Layer: name}, nil
	case what == "align":
		return w, Alignment{Layer: name}, nil
	case strings.HasPrefix(what, "dir=") || strings.HasPrefix(what, "cos="):
		file, pos, hasPos := strings.Cut(what[4:], "@")
		v, err := env.Direction(file)
		if err != nil {
			return 0, nil, &termError{at + 4, err.Error()}
		}
		if msg := directionFault(v); msg != "" {
			return 0, nil, &termError{at + 4, fmt.Sprintf("%s: %s", file, msg)}
		}
		if hasPos {
			if what[:3] == "cos" {
				return 0, nil, &termError{at, "a direction at one position is a dot product: use dir=FILE@x,y"}
			}
			x, y, perr := parsePos(pos)
			if perr != "" {
				return 0, nil, &termError{at + 5 + len(file), perr}
			}
			return w, DirectionNeuron{Layer: name, V: v, X: x, Y: y}, nil
		}
		return w, Direction{Layer: name, V: v, Cosine: what[:3] == "cos"}, nil
	}
	ch, pos, hasPos := strings.Cut(what, "@")
	c, err := strconv.Atoi(ch)
	if err != nil || c < 0 {
		return 0, nil, &termError{at, fmt.Sprintf("%q is not a channel number", ch)}
	}
	if !hasPos {
		return w, Channel{Layer: name, C: c}, nil
	}
	x, y, perr := parsePos(pos)
	if perr != "" {
		return 0, nil, &termError{at + len(ch) + 1, perr}
	}
	return w, Neuron{Layer: name, C: c, X: x, Y: y}, nil
}

// directionFault says what makes a direction vector unusable: a NaN or
// infinite value, or no length (all zeros: its cosine is undefined and its
// dot product constant).
func directionFault(v []float32) string {
	norm := 0.0
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Sprintf("value %d is %g", i, x)
		}
		norm += float64(x) * float64(x)
	}
	if norm == 0 {
		return "every value is 0: a direction needs a length"
	}
	return ""
}

// parsePos reads x,y (0-based) or c (the centre: −1, −1).
func parsePos(pos string) (int, int, string) {
	if pos == "c" {
		return -1, -1, ""
	}
	xs, ys, ok := strings.Cut(pos, ",")
	x, err1 := strconv.Atoi(xs)
	y, err2 := strconv.Atoi(ys)
	if !ok || err1 != nil || err2 != nil || x < 0 || y < 0 {
		return 0, 0, fmt.Sprintf("%q: want @x,y (0-based) or @c", pos)
	}
	return x, y, ""
}

// channelAtom reads layer:C, one side of an interpolation.
func channelAtom(a string, env ExprEnv) (Channel, *termError) {
	i := strings.LastIndex(a, ":")
	if i <= 0 {
		return Channel{}, &termError{0, fmt.Sprintf("%q: want layer:channel on each side of ~", a)}
	}
	name, err := env.Layer(a[:i])
	if err != nil {
		return Channel{}, &termError{0, err.Error()}
	}
	c, err := strconv.Atoi(a[i+1:])
	if err != nil || c < 0 {
		return Channel{}, &termError{i + 1, fmt.Sprintf("%q is not a channel number", a[i+1:])}
	}
	return Channel{Layer: name, C: c}, nil
}
