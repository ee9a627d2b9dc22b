package graph

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/invrep/invrep/graph/gemm"
	"github.com/invrep/invrep/graph/parallel"
	"github.com/invrep/invrep/graph/scratch"
	"github.com/invrep/invrep/graph/vec"
)

// ConvParams are the geometry of a 2-D convolution or pooling window.
type ConvParams struct {
	Strides   [2]int // along H, W
	Pads      [4]int // top, left, bottom, right (ONNX order: H begin, W begin, H end, W end)
	Dilations [2]int
	Group     int
	// Exact asks for a result exact on integer operands (a quantised
	// model's accumulator, exact while its sums stay below 2^24): the
	// Winograd path, whose transforms round, is not taken.
	Exact bool
}

// onesForZeros sets unset (zero) strides and dilations to ONNX's default 1.
func onesForZeros(vs ...*[2]int) {
	for _, v := range vs {
		for i := range v {
			if v[i] == 0 {
				v[i] = 1
			}
		}
	}
}

func (p ConvParams) withDefaults() ConvParams {
	onesForZeros(&p.Strides, &p.Dilations)
	if p.Group == 0 {
		p.Group = 1
	}
	return p
}

// AutoPad resolves ONNX auto_pad (SAME_UPPER, SAME_LOWER, VALID, NOTSET) for
// an input of size in[0]×in[1] and kernel k into explicit pads; for NOTSET
// the given pads are returned.
func AutoPad(mode string, in, k, strides, dil [2]int, pads [4]int) ([4]int, error) {
	switch mode {
	case "", "NOTSET":
		return pads, nil
	case "VALID":
		return [4]int{}, nil
	case "SAME_UPPER", "SAME_LOWER":
		var out [4]int
		for a := 0; a < 2; a++ {
			s := max(strides[a], 1)
			d := max(dil[a], 1)
			o := (in[a] + s - 1) / s
			total := max((o-1)*s+(k[a]-1)*d+1-in[a], 0)
			small, big := total/2, total-total/2
			if mode == "SAME_UPPER" {
				out[a], out[a+2] = small, big
			} else {
				out[a], out[a+2] = big, small
			}
		}
		return out, nil
	}
	return pads, fmt.Errorf("unknown auto_pad %q", mode)
}

// conv is a grouped, strided, dilated, padded 2-D convolution computed as
// im2col and one matrix product per image and group. Inputs: x [N,C,H,W],
// w [M,C/group,kh,kw], optional bias [M].
type conv struct {
	p     ConvParams
	packs *packCache // nil: weights are packed on every product
	// pointwiseGrad: a 1×1 convolution (not depthwise), whose input
	// gradient is one product per group, written whole.
	pointwiseGrad bool
	// sparse is set for constant weights that are almost all zero.
	sparse *sparseConv
	// relu applies max(·, 0) to the output (ConvRelu).
	relu bool
}

func (c conv) String() string {
	name := "Conv"
	if c.relu {
		name = "ConvRelu"
	}
	return fmt.Sprintf("%s(s=%v,p=%v,d=%v,g=%d)", name, c.p.Strides, c.p.Pads, c.p.Dilations, c.p.Group)
}

func (c conv) Diffable(i int) bool { return i == 0 }

// SplitsImages implements ImageSplitter: the images, not the weights.
func (c conv) SplitsImages(i int) bool { return i == 0 }

func convOut(in, k, s, d, pb, pe int, ceil bool) int {
	span := in + pb + pe - ((k-1)*d + 1)
	if span < 0 {
		return 0
	}
	if !ceil {
		return span/s + 1
	}
	o := (span+s-1)/s + 1
	// As PyTorch and onnxruntime: the last window must start inside the
	// input or its leading pad.
	if (o-1)*s >= in+pb {
		o--
	}
	return o
}

func (c conv) OutShape(in [][]int) ([]int, error) {
	if len(in) < 2 || len(in) > 3 {
		return nil, fmt.Errorf("want 2 or 3 inputs, got %d", len(in))
	}
	x, w := in[0], in[1]
	if len(x) != 4 || len(w) != 4 {
		return nil, fmt.Errorf("only 2-D convolution is supported: input %v, weight %v", x, w)
	}
	g := c.p.Group
	if g <= 0 || x[1]%g != 0 || w[0]%g != 0 {
		return nil, fmt.Errorf("group %d does not divide input channels %d and output channels %d", g, x[1], w[0])
	}
	if w[1]*g != x[1] {
		return nil, fmt.Errorf("weight %v expects %d input channels, input %v has %d", w, w[1]*g, x, x[1])
	}
	if len(in) == 3 && (len(in[2]) != 1 || in[2][0] != w[0]) {
		return nil, fmt.Errorf("bias shape %v, want [%d]", in[2], w[0])
	}
	oh := convOut(x[2], w[2], c.p.Strides[0], c.p.Dilations[0], c.p.Pads[0], c.p.Pads[2], false)
	ow := convOut(x[3], w[3], c.p.Strides[1], c.p.Dilations[1], c.p.Pads[1], c.p.Pads[3], false)
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("kernel %dx%d does not fit input %dx%d", w[2], w[3], x[2], x[3])
	}
	return []int{x[0], w[0], oh, ow}, nil
}

// geometry of one convolution call.
type convGeom struct {
	n, c, h, w, m, kh, kw, oh, ow, g, cg, mg, k, p int
}

func (c conv) geom(x, w, out []int) convGeom {
	q := convGeom{n: x[0], c: x[1], h: x[2], w: x[3], m: w[0], kh: w[2], kw: w[3], oh: out[2], ow: out[3], g: c.p.Group}
	q.cg, q.mg = q.c/q.g, q.m/q.g
	q.k = q.cg * q.kh * q.kw
	q.p = q.oh * q.ow
	return q
}

// pointwise reports whether im2col is the identity (1x1, stride 1, no pad).
func (c conv) pointwise(q convGeom) bool {
	return q.kh == 1 && q.kw == 1 && c.p.Strides == [2]int{1, 1} && c.p.Pads == [4]int{}
}

// im2col writes the cg channels of x, for output rows [oy0, oy1), into
// cols [k, (oy1−oy0)·ow].
func (c conv) im2col(q convGeom, x []float32, cols []float32, oy0, oy1 int) {
	for t := 0; t < q.cg*q.kh; t++ {
		c.im2colRow(q, x, cols, t/q.kh, t%q.kh, oy0, oy1)
	}
}

// im2colRow writes the rows of cols for channel ch and kernel row ki.
func (c conv) im2colRow(q convGeom, x []float32, cols []float32, ch, ki, oy0, oy1 int) {
	sh, sw := c.p.Strides[0], c.p.Strides[1]
	dh, dw := c.p.Dilations[0], c.p.Dilations[1]
	pt, pl := c.p.Pads[0], c.p.Pads[1]
	plane := x[ch*q.h*q.w : (ch+1)*q.h*q.w]
	n := (oy1 - oy0) * q.ow
	for kj := 0; kj < q.kw; kj++ {
		r := (ch*q.kh+ki)*q.kw + kj
		row := cols[r*n : (r+1)*n]
		// Outputs [ox0, ox1) read inside the row, from ix0 on.
		ox0, ox1 := validRange(q.ow, sw, kj*dw-pl, q.w)
		ix0 := ox0*sw + kj*dw - pl
		for oy := oy0; oy < oy1; oy++ {
			iy := oy*sh - pt + ki*dh
			dst := row[(oy-oy0)*q.ow : (oy-oy0+1)*q.ow]
			if iy < 0 || iy >= q.h || ox1 <= ox0 {
				clear(dst)
				continue
			}
			src := plane[iy*q.w : (iy+1)*q.w]
			clear(dst[:ox0])
			clear(dst[ox1:])
			if sw == 1 {
				copy(dst[ox0:ox1], src[ix0:])
				continue
			}
			ix := ix0
			for ox := ox0; ox < ox1; ox++ {
				dst[ox] = src[ix]
				ix += sw
			}
		}
	}
}

// col2im adds cols [k, (oy1−oy0)·ow], the columns of output rows
// [oy0, oy1), back into the cg channels of gx, by input row.
func (c conv) col2im(q convGeom, cols []float32, gx []float32, oy0, oy1 int) {
	iy0, iy1 := c.inputRows(q, oy0, oy1)
	var acc []float32
	for ch := 0; ch < q.cg; ch++ {
		for iy := iy0; iy < iy1; iy++ {
			acc = c.col2imRow(q, cols, gx, ch, iy, acc, oy0, oy1)
		}
	}
}

// inputRows is the input rows [iy0, iy1) that output rows [oy0, oy1) read.
func (c conv) inputRows(q convGeom, oy0, oy1 int) (int, int) {
	sh, dh, pt := c.p.Strides[0], c.p.Dilations[0], c.p.Pads[0]
	return max(0, oy0*sh-pt), min(q.h, (oy1-1)*sh-pt+(q.kh-1)*dh+1)
}

// col2imRow adds into input row iy of channel ch every tap of output rows
// [oy0, oy1) that lands on it. With a column stride (and no dilation), the pixels of the row fall
// into stride phases, and the taps kj ≡ kj0 (mod stride) of a phase land
// on pixels one stride apart, shifted by a whole stride per tap: they are
// summed as contiguous rows into acc (returned for reuse), and the row
// gets one strided addition per pixel in place of one per tap.
func (c conv) col2imRow(q convGeom, cols []float32, gx []float32, ch, iy int, acc []float32, oy0, oy1 int) []float32 {
	sh, sw := c.p.Strides[0], c.p.Strides[1]
	dh, dw := c.p.Dilations[0], c.p.Dilations[1]
	pt, pl := c.p.Pads[0], c.p.Pads[1]
	dst := gx[(ch*q.h+iy)*q.w : (ch*q.h+iy+1)*q.w]
	phased := sw > 1 && dw == 1
	span := q.ow + (q.kw+sw-1)/sw // an accumulator's length
	if phased {
		if len(acc) < sw*span {
			acc = make([]float32, sw*span)
		}
		clear(acc[:sw*span])
	}
	for ki := 0; ki < q.kh; ki++ {
		t := iy + pt - ki*dh // = oy·sh
		if t < 0 || t%sh != 0 || t/sh < oy0 || t/sh >= oy1 {
			continue
		}
		oy, n := t/sh, (oy1-oy0)*q.ow
		for kj := 0; kj < q.kw; kj++ {
			ox0, ox1 := validRange(q.ow, sw, kj*dw-pl, q.w)
			if ox1 <= ox0 {
				continue
			}
			r := (ch*q.kh+ki)*q.kw + kj
			src := cols[r*n+(oy-oy0)*q.ow+ox0 : r*n+(oy-oy0)*q.ow+ox1]
			if phased {
				// Tap kj = kj0 + u·sw lands on pixel (ox + u)·sw + kj0 − pl.
				kj0, u := kj%sw, kj/sw
				a := acc[kj0*span:]
				vec.Axpy(a[ox0+u:ox1+u], src, 1)
				continue
			}
			ix0 := ox0*sw + kj*dw - pl
			if sw == 1 {
				vec.Axpy(dst[ix0:ix0+len(src)], src, 1)
				continue
			}
			ix := ix0
			for _, v := range src {
				dst[ix] += v
				ix += sw
			}
		}
	}
	if phased {
		for kj0 := 0; kj0 < sw && kj0 < q.kw; kj0++ {
			a := acc[kj0*span : (kj0+1)*span]
			for b, v := range a {
				if ix := b*sw + kj0 - pl; ix >= 0 && ix < q.w {
					dst[ix] += v
				}
			}
		}
	}
	return acc
}

// product is the matrix product in use (gemm.Best); packer is its packed
// form where it has one (nil otherwise).
var (
	product   = gemm.Best
	packer, _ = gemm.Best.(gemm.Packer)
)

// packCache holds a convolution's weights packed for the product
// (gemm.Packer), per slice of weights (a group's) and orientation, and its
// Winograd filters; its column buffers come from scratch.
type packCache struct {
	mu   sync.Mutex
	m    map[packKey][]float32
	wino winoCache // filters transformed for F(2×2, 3×3)
}

type packKey struct {
	a  *float32
	n  int
	tA bool
}

// weightGemm computes C = relu(op(W)·B + bias + beta·C) (the Relu where
// e says) for a constant weight matrix W (m×k, lda) and B, C with n
// columns (rows ldb and ldc apart), through the packed form when there is
// one, which applies the bias and the Relu inside its tiles; otherwise as
// passes of their own around the product.
func (c conv) weightGemm(tA bool, m, n, k int, w []float32, lda int, b []float32, ldb int, beta float32, out []float32, ldc int, e gemm.Epilogue) {
	if packer != nil && c.packs != nil && len(w) > 0 {
		key := packKey{&w[0], len(w), tA}
		c.packs.mu.Lock()
		ap, ok := c.packs.m[key]
		if !ok {
			if c.packs.m == nil {
				c.packs.m = map[packKey][]float32{}
			}
			ap = packer.PackA(tA, m, k, w, lda)
			c.packs.m[key] = ap
		}
		c.packs.mu.Unlock()
		if packer.MulPacked(ap, m, n, k, b, ldb, beta, out, ldc, e) {
			return
		}
	}
	if e.Bias != nil {
		for o := 0; o < m; o++ {
			row := out[o*ldc:][:n]
			if beta == 0 {
				for i := range row {
					row[i] = e.Bias[o]
				}
			} else {
				for i := range row {
					row[i] = beta*row[i] + e.Bias[o]
				}
			}
		}
		beta = 1
	}
	product.Mul(tA, false, m, n, k, w, lda, b, ldb, beta, out, ldc)
	if e.Relu {
		for o := 0; o < m; o++ {
			row := out[o*ldc:][:n]
			vec.Relu(row, row)
		}
	}
}

// BLAS names the matrix-product implementation in use.
func BLAS() string { return product.Name() }

// Forward: depthwise and mostly-zero weights have direct paths, and 3×3 and
// 5×5 stride-1 convolutions with constant weights run as Winograd products
// (winograd.go). Others are im2col and a matrix product: by chunks of
// output rows with few groups (forwardByRows), per image and group for a
// pointwise convolution or many groups (each).
func (c conv) Forward(in []*Tensor, out *Tensor) {
	q := c.geom(in[0].Shape, in[1].Shape, out.Shape)
	x, w, y := in[0].Data, in[1].Data, out.Data
	var bias []float32
	if len(in) == 3 {
		bias = in[2].Data
	}
	if c.sparse != nil || (q.cg == 1 && q.mg == 1) {
		if c.sparse != nil {
			c.sparseForward(q, x, bias, y)
		} else {
			c.depthwise(q, x, w, bias, y)
		}
		if c.relu {
			chunked(len(y), func(lo, hi int) { vec.Relu(y[lo:hi], y[lo:hi]) })
		}
		return
	}
	if c.winoUsable(q) {
		c.winoForward(q, x, w, bias, y)
		return
	}
	if !c.pointwise(q) && q.g <= 4 {
		c.forwardByRows(q, x, w, bias, y)
		return
	}
	c.each(q, func(n, g int) {
		var cols []float32
		if !c.pointwise(q) {
			cols = c.packs.take(q.k * q.p)
			defer c.packs.give(cols)
		}
		ys := y[(n*q.m+g*q.mg)*q.p : (n*q.m+(g+1)*q.mg)*q.p]
		c.product(q, x[(n*q.c+g*q.cg)*q.h*q.w:], w[g*q.mg*q.k:(g+1)*q.mg*q.k], bias, g, ys, q.p, cols, 0, q.oh)
	})
}

// product computes output rows [oy0, oy1) of group g (into ys, rows ldc
// apart) from the group's input channels xs: im2col into cols (none for a
// pointwise convolution), the bias, the matrix product, the Relu.
func (c conv) product(q convGeom, xs, wg, bias []float32, g int, ys []float32, ldc int, cols []float32, oy0, oy1 int) {
	n := (oy1 - oy0) * q.ow
	b, ldb := xs, q.p
	if !c.pointwise(q) {
		c.im2col(q, xs, cols, oy0, oy1)
		b, ldb = cols, n
	}
	e := gemm.Epilogue{Relu: c.relu}
	if bias != nil {
		e.Bias = bias[g*q.mg : (g+1)*q.mg]
	}
	c.weightGemm(false, q.mg, n, q.k, wg, q.k, b, ldb, 0, ys[oy0*q.ow:], ldc, e)
}

// rowChunk is how many output rows a task of forwardByRows and
// backwardByRows takes: their columns about 256 KB, so that they stay in a
// core's cache between im2col and the product, and at least a kernel's
// reach, so that chunks two apart write disjoint input rows in the
// gradient; and chunks enough to share out.
func (c conv) rowChunk(q convGeom) int {
	r := max(1, (64<<10)/(q.k*q.ow))
	r = min(r, max(1, q.oh/(4*runtime.GOMAXPROCS(0))))
	r = max(r, (q.kh-1)*c.p.Dilations[0]/c.p.Strides[0]+1)
	// At least three of the micro-kernel's 16-column tiles per product: a
	// chunk of one narrow row (ViT's 14-wide patch grid) fell to the
	// scalar path and made its patch embedding 30× slower.
	r = max(r, (48+q.ow-1)/q.ow)
	r = min(r, q.oh)
	// A chunk's product is cut into panels of 32 columns, the last ragged
	// but computed whole: of the heights up to half again, the one whose
	// columns fill their panels best. AlexNet's conv1, 55 wide: 3 rows are
	// 165 columns, the sixth panel 5 of 32 used; 4 rows are 220, 28 of 32
	// (forward and gradient 3.1 → 2.9 ms, BenchmarkConvCaffeNet1Grad).
	best, fill := r, 0.0
	for h := r; h <= min(q.oh, r+r/2); h++ {
		n := h * q.ow
		if f := float64(n) / float64((n+31)/32*32); f > fill+0.01 {
			best, fill = h, f
		}
	}
	return best
}

// forwardByRows runs a convolution with few groups chunk by chunk of output
// rows, the chunks in parallel, each with its own column buffer: im2col of
// a whole layer (4.4 MB for AlexNet's first) went out to memory and back.
func (c conv) forwardByRows(q convGeom, x, w, bias, y []float32) {
	if c.wholeMap(q) {
		c.forwardWhole(q, x, w, bias, y)
		return
	}
	r := c.rowChunk(q)
	chunks := (q.oh + r - 1) / r
	for n := 0; n < q.n; n++ {
		for g := 0; g < q.g; g++ {
			xs, wg := x[(n*q.c+g*q.cg)*q.h*q.w:], w[g*q.mg*q.k:(g+1)*q.mg*q.k]
			ys := y[(n*q.m+g*q.mg)*q.p : (n*q.m+(g+1)*q.mg)*q.p]
			parallel.For(chunks, func(t int) {
				cols := c.packs.take(q.k * r * q.ow)
				defer c.packs.give(cols)
				c.product(q, xs, wg, bias, g, ys, q.p, cols, t*r, min(q.oh, (t+1)*r))
			})
		}
	}
}

// wholeMap says whether a convolution's output map is small enough (a
// 14×14 or 28×28 ResNet stage) to run as one im2col and one matrix
// product: chunks of a few of its rows made products a column panel or
// two wide, mostly ragged edge, and one chunk per core (ResNet-50's
// strided 3×3 convolutions ran at 87 GFLOP/s).
func (c conv) wholeMap(q convGeom) bool { return q.p <= 1024 }

// forwardWhole is forwardByRows on a small map: im2col split between the
// cores by channel and kernel row, then one product, itself split.
func (c conv) forwardWhole(q convGeom, x, w, bias, y []float32) {
	cols := c.packs.take(q.k * q.p)
	defer c.packs.give(cols)
	for n := 0; n < q.n; n++ {
		for g := 0; g < q.g; g++ {
			xs, wg := x[(n*q.c+g*q.cg)*q.h*q.w:], w[g*q.mg*q.k:(g+1)*q.mg*q.k]
			parallel.For(q.cg*q.kh, func(t int) { c.im2colRow(q, xs, cols, t/q.kh, t%q.kh, 0, q.oh) })
			e := gemm.Epilogue{Relu: c.relu}
			if bias != nil {
				e.Bias = bias[g*q.mg : (g+1)*q.mg]
			}
			c.weightGemm(false, q.mg, q.p, q.k, wg, q.k, cols, q.p, 0, y[(n*q.m+g*q.mg)*q.p:], q.p, e)
		}
	}
}

// backwardWhole is backwardByRows on a small map: the columns' gradient
// in one product, then col2im split by channel (each writes its own plane).
func (c conv) backwardWhole(q convGeom, w, gy, gx []float32) {
	cols := c.packs.take(q.k * q.p)
	defer c.packs.give(cols)
	for n := 0; n < q.n; n++ {
		for g := 0; g < q.g; g++ {
			gys, wg := gy[(n*q.m+g*q.mg)*q.p:], w[g*q.mg*q.k:(g+1)*q.mg*q.k]
			gxs := gx[(n*q.c+g*q.cg)*q.h*q.w:]
			c.weightGemm(true, q.k, q.p, q.mg, wg, q.k, gys, q.p, 0, cols, q.p, gemm.Epilogue{})
			parallel.For(q.cg, func(ch int) {
				var acc []float32
				for iy := 0; iy < q.h; iy++ {
					acc = c.col2imRow(q, cols, gxs, ch, iy, acc, 0, q.oh)
				}
			})
		}
	}
}

// backwardByRows is the input gradient of forwardByRows: per chunk of
// output rows, the columns' gradient W_gᵀ·gy and col2im. Chunks next to each
// other add into shared input rows, so the even chunks run in parallel,
// then the odd ones.
func (c conv) backwardByRows(q convGeom, w, gy, gx []float32) {
	if c.wholeMap(q) {
		c.backwardWhole(q, w, gy, gx)
		return
	}
	r := c.rowChunk(q)
	chunks := (q.oh + r - 1) / r
	for n := 0; n < q.n; n++ {
		for g := 0; g < q.g; g++ {
			gys, wg := gy[(n*q.m+g*q.mg)*q.p:], w[g*q.mg*q.k:(g+1)*q.mg*q.k]
			gxs := gx[(n*q.c+g*q.cg)*q.h*q.w:]
			for phase := 0; phase < 2; phase++ {
				parallel.For((chunks+1-phase)/2, func(i int) {
					oy0 := (2*i + phase) * r
					oy1 := min(q.oh, oy0+r)
					cols := c.packs.take(q.k * r * q.ow)
					defer c.packs.give(cols)
					nc := (oy1 - oy0) * q.ow
					c.weightGemm(true, q.k, nc, q.mg, wg, q.k, gys[oy0*q.ow:], q.p, 0, cols, nc, gemm.Epilogue{})
					c.col2im(q, cols, gxs, oy0, oy1)
				})
			}
		}
	}
}

// Overwrites implements Overwriter: the forward pass sets every output
// (a bias, or a product with beta 0, first), and so does the gradient of
// a pointwise convolution and of a sparse one whose first taps reach whole
// input planes; others add up their taps.
func (c conv) Overwrites(grad bool, i int) bool {
	return !grad || c.pointwiseGrad || c.sparse != nil && c.sparse.sets
}

// each calls one(n, g) for every image and group of a pointwise
// convolution or one of many groups (one takes its own column buffer,
// where it needs one): in parallel over (image, group) pairs when there are
// many groups, else in order (the product splits between the cores).
func (c conv) each(q convGeom, one func(n, g int)) {
	if q.g <= 4 {
		// A few groups (AlexNet's two) one after another, each product
		// split between the cores in small tasks: a group per core made
		// the op wait for the slower core.
		for i := 0; i < q.n*q.g; i++ {
			one(i/q.g, i%q.g)
		}
		return
	}
	parallel.For(q.n*q.g, func(i int) { one(i/q.g, i%q.g) })
}

// take returns a column buffer of n floats (scratch's: shared by every
// op, so memory is the largest op's need, not the sum).
func (pc *packCache) take(n int) []float32 { return scratch.Take(n) }

// give returns a buffer from take.
func (pc *packCache) give(b []float32) { scratch.Give(b) }

// Backward is the input gradient, by the same paths as Forward: the Relu's
// gradient first, then the transposed product and col2im (or the direct
// and Winograd forms).
// GradReads implements GradReader: the input's gradient reads the weights
// and, under a fused Relu, the output; never the input.
func (c conv) GradReads(i, j int) bool { return j == 1 || j == 2 || j == -1 && c.relu }

func (c conv) Backward(_ int, in []*Tensor, out, gout, gin *Tensor) {
	q := c.geom(in[0].Shape, in[1].Shape, out.Shape)
	w, gy, gx := in[1].Data, gout.Data, gin.Data
	if c.relu {
		// The Relu's gradient first: gout where the output is positive.
		masked := c.packs.take(len(gy))
		defer c.packs.give(masked)
		chunked(len(gy), func(lo, hi int) { vec.ReluGrad(masked[lo:hi], out.Data[lo:hi], gy[lo:hi]) })
		gy = masked
	}
	if c.sparse != nil {
		c.sparseBackward(q, gy, gx)
		return
	}
	if q.cg == 1 && q.mg == 1 {
		c.depthwiseBackward(q, w, gy, gx)
		return
	}
	if c.winoGradUsable(q) {
		c.winoBackward(q, w, gy, gx)
		return
	}
	if !c.pointwise(q) && q.g <= 4 {
		c.backwardByRows(q, w, gy, gx)
		return
	}
	c.each(q, func(n, g int) {
		gys := gy[(n*q.m+g*q.mg)*q.p:]
		gxs := gx[(n*q.c+g*q.cg)*q.h*q.w:]
		wg := w[g*q.mg*q.k : (g+1)*q.mg*q.k]
		if c.pointwise(q) {
			c.weightGemm(true, q.k, q.p, q.mg, wg, q.k, gys, q.p, 0, gxs, q.p, gemm.Epilogue{})
			return
		}
		cols := c.packs.take(q.k * q.p)
		defer c.packs.give(cols)
		c.weightGemm(true, q.k, q.p, q.mg, wg, q.k, gys, q.p, 0, cols, q.p, gemm.Epilogue{})
		c.col2im(q, cols, gxs, 0, q.oh)
	})
}

// validRange returns the outputs [o0, o1) of n whose input index
// o·stride + off falls inside [0, size).
func validRange(n, stride, off, size int) (o0, o1 int) {
	for o0 < n && o0*stride+off < 0 {
		o0++
	}
	o1 = n
	for o1 > o0 && (o1-1)*stride+off >= size {
		o1--
	}
	return
}

// ConvRelu is Relu(Conv(x, w, b, p)) as one op: the Relu is applied to
// each output block as the product finishes it, and its gradient masks the
// incoming one inside the convolution's backward pass, which saves a pass
// over the activations and an op each way.
func ConvRelu(x, w, b *Node, p ConvParams) (*Node, error) {
	return conv2D(x, w, b, p, true)
}

// Conv is a 2-D convolution of x [N,C,H,W] with w [M,C/group,kh,kw] and an
// optional bias b [M] (nil for none). Weights and bias are not differentiated.
func Conv(x, w, b *Node, p ConvParams) (*Node, error) {
	return conv2D(x, w, b, p, false)
}

func conv2D(x, w, b *Node, p ConvParams, relu bool) (*Node, error) {
	k := conv{p: p.withDefaults(), packs: &packCache{}, relu: relu}
	if ws, xs := w.shape, x.shape; len(ws) == 4 && len(xs) == 4 {
		depthwise := ws[1] == 1 && ws[0] == k.p.Group
		k.pointwiseGrad = ws[2] == 1 && ws[3] == 1 && k.p.Strides == [2]int{1, 1} && k.p.Pads == [4]int{} && !depthwise
		if w.c != nil && x.live {
			if k.sparse = sparseTaps(w.c, xs[1], k.p.Group); k.sparse != nil {
				k.pointwiseGrad = false // the taps add up
				if out, err := k.OutShape([][]int{xs, ws}); err == nil {
					k.sparse.sets = k.setsGrad(k.geom(xs, ws, out))
				}
			}
		}
	}
	if b == nil {
		return Apply(k, x, w)
	}
	return Apply(k, x, w, b)
}
