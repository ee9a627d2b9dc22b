package graph

import (
	"fmt"
	"math"
	"sort"

	"github.com/invrep/invrep/graph/parallel"
)

// ReduceKind names a reduction.
type ReduceKind int

// The ONNX reductions.
const (
	ReduceSum ReduceKind = iota
	ReduceMean
	ReduceMax
	ReduceMin
	ReduceL1
	ReduceL2
	ReduceSumSquare
	ReduceLogSumExp
	ReduceProd
)

var reduceNames = [...]string{"Sum", "Mean", "Max", "Min", "L1", "L2", "SumSquare", "LogSumExp", "Prod"}

// reduce folds the given axes (sorted, distinct) of its input. The output
// keeps the reduced axes as 1s when keep is set and drops them otherwise;
// the data is the same either way.
type reduce struct {
	kind ReduceKind
	axes []int
	keep bool
}

func (k reduce) String() string {
	return fmt.Sprintf("Reduce%s(%v,keep=%v)", reduceNames[k.kind], k.axes, k.keep)
}
func (k reduce) Diffable(int) bool { return true }

// Overwrites implements Overwriter.
func (k reduce) Overwrites(bool, int) bool { return true }

func (k reduce) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("want 1 input, got %d", len(in))
	}
	var out []int
	for d, n := range in[0] {
		switch {
		case !k.reduced(d):
			out = append(out, n)
		case n == 0:
			return nil, fmt.Errorf("axis %d of %v is empty", d, in[0])
		case k.keep:
			out = append(out, 1)
		}
	}
	return out, nil
}

func (k reduce) reduced(d int) bool {
	for _, a := range k.axes {
		if a == d {
			return true
		}
	}
	return false
}

// geometry splits the input into the kept (outer) and folded (inner)
// index spaces: offset(o, r) = base[o] + fold[r].
func (k reduce) geometry(shape []int) (base, fold []int) {
	st := make([]int, len(shape))
	acc := 1
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = acc
		acc *= shape[d]
	}
	base, fold = []int{0}, []int{0}
	for d, n := range shape {
		src := &base
		if k.reduced(d) {
			src = &fold
		}
		next := make([]int, 0, len(*src)*n)
		for _, b := range *src {
			for i := 0; i < n; i++ {
				next = append(next, b+i*st[d])
			}
		}
		*src = next
	}
	return base, fold
}

// contiguous reports whether the folded axes are the trailing ones, so that
// every output reads one run of memory (LayerNorm's statistics, a mean
// over the last axis).
func (k reduce) contiguous(shape []int) bool {
	for d := range shape {
		if k.reduced(d) != (d >= len(shape)-len(k.axes)) {
			return false
		}
	}
	return true
}

// lanes calls f(o, xs) for each output o, with xs the values it folds
// (a slice of the input when contiguous, gathered otherwise).
func (k reduce) lanes(x *Tensor, f func(o int, off []int, run []float32)) {
	if k.contiguous(x.Shape) {
		n := Numel(x.Shape[len(x.Shape)-len(k.axes):])
		outer := len(x.Data) / n
		parallel.For((outer+63)/64, func(c int) {
			for o := c * 64; o < min(outer, (c+1)*64); o++ {
				f(o, nil, x.Data[o*n:(o+1)*n])
			}
		})
		return
	}
	base, fold := k.geometry(x.Shape)
	parallel.For((len(base)+63)/64, func(c int) {
		off := make([]int, len(fold))
		for o := c * 64; o < min(len(base), (c+1)*64); o++ {
			for r, d := range fold {
				off[r] = base[o] + d
			}
			f(o, off, nil)
		}
	})
}

func (k reduce) Forward(in []*Tensor, out *Tensor) {
	x := in[0].Data
	k.lanes(in[0], func(o int, off []int, run []float32) {
		n := len(run) + len(off)
		at := func(r int) float64 {
			if run != nil {
				return float64(run[r])
			}
			return float64(x[off[r]])
		}
		var s float64
		switch k.kind {
		case ReduceMax:
			s = math.Inf(-1)
			for r := 0; r < n; r++ {
				s = math.Max(s, at(r))
			}
		case ReduceMin:
			s = math.Inf(1)
			for r := 0; r < n; r++ {
				s = math.Min(s, at(r))
			}
		case ReduceLogSumExp:
			m := math.Inf(-1)
			for r := 0; r < n; r++ {
				m = math.Max(m, at(r))
			}
			for r := 0; r < n; r++ {
				s += math.Exp(at(r) - m)
			}
			s = m + math.Log(s)
		case ReduceProd:
			s = 1
			for r := 0; r < n; r++ {
				s *= at(r)
			}
		default:
			for r := 0; r < n; r++ {
				v := at(r)
				switch k.kind {
				case ReduceL1:
					v = math.Abs(v)
				case ReduceL2, ReduceSumSquare:
					v *= v
				}
				s += v
			}
			switch k.kind {
			case ReduceMean:
				s /= float64(n)
			case ReduceL2:
				s = math.Sqrt(s)
			}
		}
		out.Data[o] = float32(s)
	})
}

// Backward spreads each output's gradient over the values it folded. Max
// and Min send it to every value equal to the extreme (ties are split, as
// PyTorch's amax does).
func (k reduce) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	x, d := in[0].Data, gin.Data
	k.lanes(in[0], func(o int, off []int, run []float32) {
		n := len(run) + len(off)
		idx := func(r int) int {
			if off != nil {
				return off[r]
			}
			return o*n + r
		}
		g, y := float64(gout.Data[o]), float64(out.Data[o])
		switch k.kind {
		case ReduceSum:
			for r := 0; r < n; r++ {
				d[idx(r)] = float32(g)
			}
		case ReduceMean:
			for r := 0; r < n; r++ {
				d[idx(r)] = float32(g / float64(n))
			}
		case ReduceMax, ReduceMin:
			ties := 0
			for r := 0; r < n; r++ {
				if float64(x[idx(r)]) == y {
					ties++
				}
			}
			for r := 0; r < n; r++ {
				d[idx(r)] = 0
				if float64(x[idx(r)]) == y {
					d[idx(r)] = float32(g / float64(ties))
				}
			}
		case ReduceL1:
			for r := 0; r < n; r++ {
				v := x[idx(r)]
				d[idx(r)] = 0
				if v > 0 {
					d[idx(r)] = float32(g)
				} else if v < 0 {
					d[idx(r)] = float32(-g)
				}
			}
		case ReduceL2:
			for r := 0; r < n; r++ {
				d[idx(r)] = 0
				if y > 0 {
					d[idx(r)] = float32(g * float64(x[idx(r)]) / y)
				}
			}
		case ReduceSumSquare:
			for r := 0; r < n; r++ {
				d[idx(r)] = float32(2 * g * float64(x[idx(r)]))
			}
		case ReduceLogSumExp:
			for r := 0; r < n; r++ {
				d[idx(r)] = float32(g * math.Exp(float64(x[idx(r)])-y))
			}
		case ReduceProd:
			// ∂/∂x_r is the product of the others: prefix times suffix
			// products, so that a zero among them needs no division.
			suffix := 1.0
			pre := make([]float64, n)
			p := 1.0
			for r := 0; r < n; r++ {
				pre[r] = p
				p *= float64(x[idx(r)])
			}
			for r := n - 1; r >= 0; r-- {
				d[idx(r)] = float32(g * pre[r] * suffix)
				suffix *= float64(x[idx(r)])
			}
		}
	})
}

// Reduce folds x along axes (negative counts from the end; none means all,
// as ONNX's default), keeping them as 1s when keep is set.
func Reduce(x *Node, kind ReduceKind, axes []int, keep bool) (*Node, error) {
	if kind < 0 || int(kind) >= len(reduceNames) {
		return nil, fmt.Errorf("unknown reduction %d", kind)
	}
	r := len(x.shape)
	seen := map[int]bool{}
	var norm []int
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r {
			return nil, fmt.Errorf("Reduce%s: axis out of range for shape %v", reduceNames[kind], x.shape)
		}
		if !seen[a] {
			seen[a] = true
			norm = append(norm, a)
		}
	}
	if len(axes) == 0 {
		for a := 0; a < r; a++ {
			norm = append(norm, a)
		}
	}
	sort.Ints(norm)
	return Apply(reduce{kind: kind, axes: norm, keep: keep}, x)
}
