package graph

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph/vec"
)

// MathFn names a smooth (or piecewise smooth) elementwise function.
type MathFn int

// The elementwise functions of modern exports beyond the classic
// activations (unary.go). Pow raises to a constant exponent; Gelu is the
// exact (erf) form, GeluTanh the tanh approximation.
const (
	FnSqrt MathFn = iota
	FnExp
	FnLog
	FnNeg
	FnAbs
	FnReciprocal
	FnErf
	FnGelu
	FnGeluTanh
	FnHardSigmoid // max(0, min(1, a·x + b))
	FnHardSwish   // x · HardSigmoid(x) with a = 1/6, b = 1/2
	FnSoftplus
	FnElu  // x > 0 ? x : a·(eˣ − 1)
	FnSelu // b · (x > 0 ? x : a·(eˣ − 1))
	FnMish
	FnPow // x^a
	FnSoftsign
	FnScale // a·x + b
	FnSin
	FnCos
	FnSiLU // x · σ(x) (Swish): EfficientNet's and MobileNetV3's gates
	FnTan
	FnAsin
	FnAcos
	FnAtan
	FnSinh
	FnCosh
	FnAsinh
	FnAcosh
	FnAtanh
	FnCelu            // max(0, x) + min(0, a·(e^{x/a} − 1))
	FnShrink          // x < −a: x + b; x > a: x − b; else 0 (a = lambd, b = bias)
	FnThresholdedRelu // x > a ? x : 0
	// Rounding has no useful derivative: Floor, Ceil and Round pass the
	// gradient straight through, as a quantiser's rounding does (their
	// true derivative, 0 almost everywhere, would stop an inversion dead);
	// Sign passes none.
	FnFloor
	FnCeil
	FnRound // half to even
	FnSign
)

var mathFnNames = [...]string{"Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Erf", "Gelu", "GeluTanh",
	"HardSigmoid", "HardSwish", "Softplus", "Elu", "Selu", "Mish", "Pow", "Softsign", "Scale", "Sin", "Cos", "SiLU",
	"Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Celu", "Shrink", "ThresholdedRelu",
	"Floor", "Ceil", "Round", "Sign"}

// mathFn is y = f(x) elementwise, computed in float64 per element (these
// ops are memory-bound, and float64 keeps the transcendental functions
// equal to onnxruntime's to the last float32 bit or so), except GELU and
// erf, which take float32 forms (vec.Gelu, vec.Erf) for speed.
type mathFn struct {
	elementwise
	fn   MathFn
	a, b float64
}

func (k mathFn) String() string {
	switch k.fn {
	case FnHardSigmoid, FnElu, FnSelu, FnScale:
		return fmt.Sprintf("%s(%g,%g)", mathFnNames[k.fn], k.a, k.b)
	case FnPow:
		return fmt.Sprintf("Pow(%g)", k.a)
	}
	return mathFnNames[k.fn]
}

const (
	sqrt2       = math.Sqrt2
	sqrt2OverPi = 0.7978845608028654 // √(2/π)
	invSqrt2Pi  = 0.3989422804014327 // 1/√(2π)
)

// at returns f(x).
func (k mathFn) at(x float64) float64 {
	switch k.fn {
	case FnSqrt:
		return math.Sqrt(x)
	case FnExp:
		return math.Exp(x)
	case FnLog:
		return math.Log(x)
	case FnNeg:
		return -x
	case FnAbs:
		return math.Abs(x)
	case FnReciprocal:
		return 1 / x
	case FnErf:
		return math.Erf(x)
	case FnGelu:
		return 0.5 * x * (1 + math.Erf(x/sqrt2))
	case FnGeluTanh:
		return 0.5 * x * (1 + math.Tanh(sqrt2OverPi*(x+0.044715*x*x*x)))
	case FnHardSigmoid:
		return math.Max(0, math.Min(1, k.a*x+k.b))
	case FnHardSwish:
		return x * math.Max(0, math.Min(1, x/6+0.5))
	case FnSiLU:
		return x / (1 + math.Exp(-x))
	case FnSoftplus:
		return softplus(x)
	case FnElu:
		if x > 0 {
			return x
		}
		return k.a * math.Expm1(x)
	case FnSelu:
		if x > 0 {
			return k.b * x
		}
		return k.b * k.a * math.Expm1(x)
	case FnMish:
		return x * math.Tanh(softplus(x))
	case FnPow:
		return powExact(x, k.a)
	case FnSoftsign:
		return x / (1 + math.Abs(x))
	case FnScale:
		return k.a*x + k.b
	case FnSin:
		return math.Sin(x)
	case FnCos:
		return math.Cos(x)
	case FnTan:
		return math.Tan(x)
	case FnAsin:
		return math.Asin(x)
	case FnAcos:
		return math.Acos(x)
	case FnAtan:
		return math.Atan(x)
	case FnSinh:
		return math.Sinh(x)
	case FnCosh:
		return math.Cosh(x)
	case FnAsinh:
		return math.Asinh(x)
	case FnAcosh:
		return math.Acosh(x)
	case FnAtanh:
		return math.Atanh(x)
	case FnCelu:
		return math.Max(0, x) + math.Min(0, k.a*math.Expm1(x/k.a))
	case FnShrink:
		switch {
		case x < -k.a:
			return x + k.b
		case x > k.a:
			return x - k.b
		}
		return 0
	case FnThresholdedRelu:
		if x > k.a {
			return x
		}
		return 0
	case FnFloor:
		return math.Floor(x)
	case FnCeil:
		return math.Ceil(x)
	case FnRound:
		return math.RoundToEven(x)
	case FnSign:
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x // 0, or NaN
	}
	panic("unknown MathFn")
}

// powExact is x^p with the common exponents computed exactly (exporters write
// Pow(x, 2) for squares and Pow(x, 0.5) for roots).
func powExact(x, p float64) float64 {
	switch p {
	case 1:
		return x
	case 2:
		return x * x
	case 3:
		return x * x * x
	case 0.5:
		return math.Sqrt(x)
	}
	return math.Pow(x, p)
}

func softplus(x float64) float64 {
	if x > 20 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

// slope returns f'(x) given x and y = f(x). At kinks it takes the
// subgradient PyTorch takes (0 for |x| at 0, the left or right piece of
// HardSigmoid and HardSwish as autograd does).
func (k mathFn) slope(x, y float64) float64 {
	switch k.fn {
	case FnSqrt:
		return 0.5 / y
	case FnExp:
		return y
	case FnLog:
		return 1 / x
	case FnNeg:
		return -1
	case FnAbs:
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	case FnReciprocal:
		return -y * y
	case FnErf:
		return 2 / math.SqrtPi * math.Exp(-x*x)
	case FnGelu:
		return 0.5*(1+math.Erf(x/sqrt2)) + x*invSqrt2Pi*math.Exp(-0.5*x*x)
	case FnGeluTanh:
		u := sqrt2OverPi * (x + 0.044715*x*x*x)
		t := math.Tanh(u)
		return 0.5*(1+t) + 0.5*x*(1-t*t)*sqrt2OverPi*(1+3*0.044715*x*x)
	case FnHardSigmoid:
		if v := k.a*x + k.b; v > 0 && v < 1 {
			return k.a
		}
		return 0
	case FnHardSwish:
		switch {
		case x < -3:
			return 0
		case x > 3:
			return 1
		}
		return x/3 + 0.5
	case FnSiLU:
		s := 1 / (1 + math.Exp(-x))
		return s + x*s*(1-s)
	case FnSoftplus:
		return 1 / (1 + math.Exp(-x))
	case FnElu:
		if x > 0 {
			return 1
		}
		return k.a * math.Exp(x)
	case FnSelu:
		if x > 0 {
			return k.b
		}
		return k.b * k.a * math.Exp(x)
	case FnMish:
		sp := softplus(x)
		t := math.Tanh(sp)
		return t + x*(1-t*t)/(1+math.Exp(-x))
	case FnPow:
		switch k.a {
		case 0:
			return 0
		case 1:
			return 1
		case 2:
			return 2 * x
		}
		return k.a * math.Pow(x, k.a-1)
	case FnSoftsign:
		d := 1 + math.Abs(x)
		return 1 / (d * d)
	case FnScale:
		return k.a
	case FnSin:
		return math.Cos(x)
	case FnCos:
		return -math.Sin(x)
	case FnTan:
		return 1 + y*y
	case FnAsin:
		return 1 / math.Sqrt(1-x*x)
	case FnAcos:
		return -1 / math.Sqrt(1-x*x)
	case FnAtan:
		return 1 / (1 + x*x)
	case FnSinh:
		return math.Cosh(x)
	case FnCosh:
		return math.Sinh(x)
	case FnAsinh:
		return 1 / math.Sqrt(x*x+1)
	case FnAcosh:
		return 1 / math.Sqrt(x*x-1)
	case FnAtanh:
		return 1 / (1 - x*x)
	case FnCelu:
		if x > 0 {
			return 1
		}
		return math.Exp(x / k.a)
	case FnShrink:
		if x < -k.a || x > k.a {
			return 1
		}
		return 0
	case FnThresholdedRelu:
		if x > k.a {
			return 1
		}
		return 0
	case FnFloor, FnCeil, FnRound:
		return 1 // straight through
	case FnSign:
		return 0
	}
	panic("unknown MathFn")
}

func (k mathFn) Forward(in []*Tensor, out *Tensor) {
	x, y := in[0].Data, out.Data
	switch k.fn {
	case FnGelu:
		chunked(len(y), func(lo, hi int) { vec.Gelu(y[lo:hi], x[lo:hi]) })
		return
	case FnErf:
		chunked(len(y), func(lo, hi int) { vec.Erf(y[lo:hi], x[lo:hi]) })
		return
	case FnHardSwish, FnHardSigmoid:
		// Piecewise linear: float32 loops without a call per element
		// (MobileNetV3 spends a quarter of a step in its HardSwishes).
		a, b, swish := k.hard()
		chunked(len(y), func(lo, hi int) {
			ys := y[lo:hi]
			for i, v := range x[lo:hi] {
				h := min(max(a*v+b, 0), 1)
				if swish {
					h *= v
				}
				ys[i] = h
			}
		})
		return
	case FnSiLU:
		chunked(len(y), func(lo, hi int) { vec.SiLU(y[lo:hi], x[lo:hi]) })
		return
	}
	chunked(len(y), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			y[i] = float32(k.at(float64(x[i])))
		}
	})
}

func (k mathFn) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	x, y, g, d := in[0].Data, out.Data, gout.Data, gin.Data
	switch k.fn {
	case FnGelu:
		chunked(len(d), func(lo, hi int) { vec.GeluGrad(d[lo:hi], x[lo:hi], g[lo:hi]) })
		return
	case FnErf:
		chunked(len(d), func(lo, hi int) { vec.ErfGrad(d[lo:hi], x[lo:hi], g[lo:hi]) })
		return
	case FnHardSwish, FnHardSigmoid:
		a, b, swish := k.hard()
		chunked(len(d), func(lo, hi int) {
			ds, gs := d[lo:hi], g[lo:hi]
			for i, v := range x[lo:hi] {
				// The kinks as the float64 slopes take them: HardSigmoid's
				// open ramp, HardSwish's closed one (as PyTorch).
				t := a*v + b
				var s float32
				switch {
				case swish && t < 0:
				case swish && t > 1:
					s = 1
				case swish:
					s = 2*a*v + b
				case t > 0 && t < 1:
					s = a
				}
				ds[i] = gs[i] * s
			}
		})
		return
	case FnSiLU:
		// σ + x·σ·(1 − σ) = σ·(1 + x·(1 − σ)), σ recomputed (the output is
		// x·σ, not σ), in one vector pass: a sigmoid pass then a scalar
		// one took 6.8 ms of an EfficientNet-B0 step.
		chunked(len(d), func(lo, hi int) { vec.SiLUGrad(d[lo:hi], x[lo:hi], g[lo:hi]) })
		return
	}
	chunked(len(d), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if g[i] == 0 { // no gradient in, none out: not 0·∞ (√ at 0)
				d[i] = 0
				continue
			}
			d[i] = float32(float64(g[i]) * k.slope(float64(x[i]), float64(y[i])))
		}
	})
}

// hard is the ramp a·x + b of HardSigmoid (its parameters) or HardSwish
// (1/6, 1/2), in float32, and whether x multiplies it.
func (k mathFn) hard() (a, b float32, swish bool) {
	if k.fn == FnHardSigmoid {
		return float32(k.a), float32(k.b), false
	}
	return 1.0 / 6, 0.5, true
}

// Math applies fn elementwise; a and b are its parameters where it has
// them (HardSigmoid's slope and offset, Elu's and Selu's α and γ, Pow's
// exponent, Scale's factor and offset).
func Math(x *Node, fn MathFn, a, b float64) (*Node, error) {
	if fn < 0 || int(fn) >= len(mathFnNames) {
		return nil, fmt.Errorf("unknown elementwise function %d", fn)
	}
	return Apply(mathFn{fn: fn, a: a, b: b}, x)
}
