package handcrafted

import (
	"math"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/npy"
	"github.com/invrep/invrep/graph/testenv"
)

// gradCheck compares a kernel's input gradient with central finite
// differences of its own float64 forward, through ⟨y, r⟩.
func gradCheck(t *testing.T, name string, k graph.Kernel, x *graph.Tensor, ref func([]float64) []float64) {
	t.Helper()
	g := graph.New()
	in, _ := g.Input("x", x.Shape...)
	y, err := graph.Apply(k, in)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(9))
	r := graph.NewTensor(y.Shape()...)
	for i := range r.Data {
		r.Data[i] = float32(rng.NormFloat64())
	}
	loss, _ := graph.Dot(y, r)
	p, err := g.Compile(loss, y)
	if err != nil {
		t.Fatal(err)
	}
	// A first run on other values leaves the reused buffers dirty.
	other := x.Clone()
	for i := range other.Data {
		other.Data[i] = x.Data[len(x.Data)-1-i]
	}
	if err := p.Run(other); err != nil {
		t.Fatal(err)
	}
	if err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	got, _ := p.Output(0)
	x64 := make([]float64, len(x.Data))
	for i, v := range x.Data {
		x64[i] = float64(v)
	}
	want := ref(x64)
	for i := range want {
		if math.Abs(float64(got.Data[i])-want[i]) > 1e-5*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("%s: forward[%d] = %g, reference %g", name, i, got.Data[i], want[i])
		}
	}
	grad, _ := p.InputGrad()
	lossAt := func(x []float64) float64 {
		s := 0.0
		for i, v := range ref(x) {
			s += v * float64(r.Data[i])
		}
		return s
	}
	testenv.FiniteDiff{H: 1e-6, Floor: 1e-9, Tol: 1e-3}.Check(t, name, grad.Data, lossAt, x64)
}

// histogramRef is a float64 restatement of binning and spatial pooling.
func histogramRef(k histogram, shape []int) func([]float64) []float64 {
	return func(g []float64) []float64 {
		h, w := shape[2], shape[3]
		sp, csp := h*w, k.nr*k.nc
		y := make([]float64, shape[0]*k.bins.k*csp)
		for n := 0; n < shape[0]; n++ {
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					gx, gy := g[n*2*sp+i*w+j], g[n*2*sp+sp+i*w+j]
					m := math.Hypot(gx, gy)
					add := func(bin int, v float64) {
						for _, r := range k.rows[i] {
							for _, c := range k.cols[j] {
								y[(n*k.bins.k+bin%k.bins.k)*csp+r.cell*k.nc+c.cell] += v * float64(r.w) * float64(c.w)
							}
						}
					}
					if !k.bins.bilinear {
						add(hardBin1(float32(gx), float32(gy), k.bins.ox, k.bins.oy), m)
						continue
					}
					th := math.Atan2(gy, gx)
					if th < 0 {
						th += 2 * math.Pi
					}
					nt := th * float64(k.bins.k) / (2 * math.Pi)
					lo := math.Floor(nt)
					add(int(lo), (1-(nt-lo))*m)
					add(int(lo)+1, (nt-lo)*m)
				}
			}
		}
		return y
	}
}

func TestHistogramGradient(t *testing.T) {
	shape := []int{2, 2, 9, 11}
	hr, nhr := hogAxis(9, 4)
	hc, nhc := hogAxis(11, 4)
	sr, nsr := siftAxis(9, 3)
	sc, nsc := siftAxis(11, 3)
	var ks []histogram
	for _, k := range []histogram{
		newHistogram(newBinning(18, false, false), hr, hc, nhr, nhc),
		newHistogram(newBinning(18, true, false), hr, hc, nhr, nhc),
		newHistogram(newBinning(8, true, false), sr, sc, nsr, nsc),
	} {
		if k.pairs == nil {
			t.Fatalf("%v: no paired columns", k)
		}
		generic := k
		generic.pairs = nil // the path for axes reaching more than two cells
		ks = append(ks, k, generic)
		if k.runs != nil {
			scalar := k
			scalar.runs = nil // paired columns without the vector pooling
			ks = append(ks, scalar)
		}
	}
	for _, k := range ks {
		rng := rand.New(rand.NewSource(int64(k.bins.k)))
		x := graph.NewTensor(shape...)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
		}
		gradCheck(t, k.String(), k, x, histogramRef(k, shape))
	}
}

func TestGradientKernel(t *testing.T) {
	// 13 columns: the interior rows run the vector primitives too; 3 and
	// 4 have no interior run.
	for _, size := range [][2]int{{4, 13}, {3, 3}, {5, 4}} {
		testGradientKernel(t, size[0], size[1])
	}
}

func testGradientKernel(t *testing.T, h, w int) {
	shape := []int{2, 1, h, w}
	rng := rand.New(rand.NewSource(2))
	x := graph.NewTensor(shape...)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	for _, zb := range []bool{true, false} {
		k := gradient{zeroBorder: zb}
		gradCheck(t, k.String(), k, x, func(v []float64) []float64 {
			y := make([]float64, 2*2*h*w)
			at := func(n, i, j int) float64 { return v[n*h*w+i*w+j] }
			diff := func(a, b float64, i, n int) float64 { // along an axis of length n, at i
				switch {
				case i > 0 && i < n-1:
					return (b - a) / 2
				case zb:
					return 0
				}
				return b - a
			}
			for n := 0; n < 2; n++ {
				for i := 0; i < h; i++ {
					for j := 0; j < w; j++ {
						if zb && (i == 0 || j == 0 || i == h-1 || j == w-1) {
							continue
						}
						l, r := at(n, i, max(j-1, 0)), at(n, i, min(j+1, w-1))
						u, d := at(n, max(i-1, 0), j), at(n, min(i+1, h-1), j)
						y[n*2*h*w+i*w+j] = diff(l, r, j, w)
						y[n*2*h*w+h*w+i*w+j] = diff(u, d, i, h)
					}
				}
			}
			return y
		})
	}
}

func TestBlockNormGradient(t *testing.T) {
	shape := []int{1, 108, 2, 2}
	rng := rand.New(rand.NewSource(4))
	x := graph.NewTensor(shape...)
	for i := range x.Data {
		x.Data[i] = float32(math.Abs(rng.NormFloat64()))
	}
	gradCheck(t, "blocknorm", blockNorm{no: 9}, x, func(v []float64) []float64 {
		y := make([]float64, len(v))
		for p := 0; p < 4; p++ {
			s := 0.0
			for ch := 0; ch < 108; ch++ {
				if ch%27 >= 18 {
					s += v[ch*4+p] * v[ch*4+p]
				}
			}
			for ch := 0; ch < 108; ch++ {
				y[ch*4+p] = v[ch*4+p] / math.Sqrt(s+2.5e-5)
			}
		}
		return y
	})
}

func features(t *testing.T, rep Rep, x *graph.Tensor) *graph.Tensor {
	t.Helper()
	g, y, err := rep.Build(x.Shape)
	if err != nil {
		t.Fatal(err)
	}
	out, err := g.Evaluate(y, x)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHOGMatchesVLFeat compares the first 27 dimensions of every interior
// cell with vl_hog (UoCTTI) on every reference image, to 1e-5 (measured
// 1.2e-7). Interior cells are all but the outermost ring: at the border
// VLFeat reuses the edge cells' norms where the network's block
// decomposition sees zero padding, and VLFeat has one more row or column of
// cells when H or W mod 8 ≥ 4.
// eachVLFeatRef calls f for every reference in ../shared/refs named
// KEY+suffix, with KEY's grey image as [1,1,H,W] and the reference.
func eachVLFeatRef(t *testing.T, suffix string, f func(key string, x, ref *graph.Tensor)) {
	refs := filepath.Join(testenv.Shared(t), "refs")
	files, _ := filepath.Glob(filepath.Join(refs, "*"+suffix))
	if len(files) == 0 {
		t.Fatalf("no VLFeat references *%s", suffix)
	}
	for _, file := range files {
		key := strings.TrimSuffix(filepath.Base(file), suffix)
		gray, err := npy.Load(filepath.Join(refs, key+"_gray.npy"))
		if err != nil {
			t.Fatal(err)
		}
		ref, err := npy.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		f(key, &graph.Tensor{Shape: []int{1, 1, gray.Shape[0], gray.Shape[1]}, Data: gray.Data}, ref)
	}
}

func TestHOGMatchesVLFeat(t *testing.T) {
	eachVLFeatRef(t, "__vlhog__uoctti_c8_in255.npy", func(key string, x, ref *graph.Tensor) {
		got := features(t, Rep{Kind: KindHOG}, x)
		hc, wc := got.Shape[2], got.Shape[3]
		rw := ref.Shape[1]
		worst, cells := 0.0, 0
		for cy := 1; cy < min(hc, ref.Shape[0])-1; cy++ {
			for cx := 1; cx < min(wc, rw)-1; cx++ {
				cells++
				for d := 0; d < 27; d++ {
					v := float64(got.Data[(d*hc+cy)*wc+cx])
					r := float64(ref.Data[(cy*rw+cx)*31+d])
					worst = math.Max(worst, math.Abs(v-r))
				}
			}
		}
		if worst > 1e-5 {
			t.Errorf("%s: max |HOG − vl_hog| = %.3g over %d interior cells, want ≤ 1e-5", key, worst, cells)
		} else {
			t.Logf("%s: max |HOG − vl_hog| = %.2g over %d interior cells", key, worst, cells)
		}
	})
}

// TestDSIFTMatchesVLFeat compares the descriptors with vl_dsift's flat
// window (8-pixel bins, step 24) using VLFeat's options (σ = 2 bins averaged
// over each bin, renormalised after clamping, its fast atan2). The bound,
// 1.5e-3, is VLFeat's own float32 error: its flat triangular convolution
// keeps running sums over whole image columns and differs from exact
// arithmetic by up to 1.44e-3 in low-gradient regions (refs README §C; 1.2e-3
// on astronaut). Elsewhere the network agrees to about 2e-5; the mean
// difference must stay below 1e-5.
func TestDSIFTMatchesVLFeat(t *testing.T) {
	eachVLFeatRef(t, "__vldsift__b8_s24_flat_desc.npy", func(key string, x, ref *graph.Tensor) {
		got := features(t, Rep{Kind: KindDSIFT, DSIFT: VLFeatFlat(8, 3)}, x)
		ny, nx := got.Shape[2], got.Shape[3]
		if ny*nx != ref.Shape[0] {
			t.Fatalf("%s: %d×%d descriptors, VLFeat has %d", key, ny, nx, ref.Shape[0])
		}
		worst, sum, n := 0.0, 0.0, 0
		for i := 0; i < ny*nx; i++ {
			for d := 0; d < 128; d++ {
				diff := math.Abs(float64(got.Data[d*ny*nx+i]) - float64(ref.Data[i*128+d]))
				worst = math.Max(worst, diff)
				sum += diff
				n++
			}
		}
		mean := sum / float64(n)
		if worst > 1.5e-3 || mean > 1e-5 {
			t.Errorf("%s: |DSIFT − vl_dsift| max %.3g (bound 1.5e-3), mean %.3g (bound 1e-5)", key, worst, mean)
		} else {
			t.Logf("%s: |DSIFT − vl_dsift| max %.2g, mean %.2g over %d descriptors", key, worst, mean, ny*nx)
		}
	})
}

// TestHardBinsVector checks the vector binning against the scalar rule on
// gradients with many exact ties (small integers, zeros, diagonals).
func TestHardBinsVector(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	ox, oy := make([]float32, 9), make([]float32, 9)
	for i := range ox {
		ox[i] = float32(math.Cos(2 * math.Pi * float64(i) / 18))
		oy[i] = float32(math.Sin(2 * math.Pi * float64(i) / 18))
	}
	for _, c := range []struct {
		n    int
		wide bool // the AVX-512 kernel where the CPU has it
	}{{0, true}, {1, true}, {7, true}, {8, true}, {9, true}, {15, true}, {16, true}, {17, true}, {31, true}, {1000, true}, {1000, false}, {31, false}} {
		n := c.n
		old := has512
		has512 = has512 && c.wide
		gx, gy := make([]float32, n), make([]float32, n)
		for i := range gx {
			if i%3 == 0 {
				gx[i], gy[i] = float32(rng.Intn(7)-3), float32(rng.Intn(7)-3)
			} else {
				gx[i], gy[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			}
		}
		bin, mag := make([]int32, n), make([]float32, n)
		hardBins(bin, mag, gx, gy, ox, oy)
		has512 = old
		for i := range bin {
			if want := hardBin1(gx[i], gy[i], ox, oy); int(bin[i]) != want {
				t.Fatalf("n=%d: bin of (%g, %g) = %d, want %d", n, gx[i], gy[i], bin[i], want)
			}
			if want := norm32(gx[i], gy[i]); mag[i] != want {
				t.Fatalf("n=%d: norm of (%g, %g) = %g, want %g", n, gx[i], gy[i], mag[i], want)
			}
		}
	}
}

// TestBilinearBinVec: the vector binning (exact and VLFeat-fast angles)
// against binning.angle one pixel at a time, on random gradients and the
// axes, diagonals, zeros and signed zeros where octants meet.
func TestBilinearBinVec(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	negZero := float32(math.Copysign(0, -1))
	special := []float32{0, negZero, 1, -1, 2.5, -2.5, 1e-20, -3e10}
	const n = 203
	gx, gy := make([]float32, n), make([]float32, n)
	for i := range gx {
		gx[i], gy[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		if i < len(special)*len(special) {
			gx[i], gy[i] = special[i%len(special)], special[i/len(special)]
		}
	}
	for _, fast := range []bool{false, true} {
		for _, k := range []int{8, 18} {
			b := newBinning(k, true, fast)
			lo, f, m := make([]int32, n), make([]float32, n), make([]float32, n)
			done := bilinearBinVec(b, lo, f, m, gx, gy)
			for i := 0; i < done; i++ {
				wantM := float32(math.Sqrt(float64(gx[i]*gx[i] + gy[i]*gy[i])))
				if math.Abs(float64(m[i]-wantM)) > 1e-6*float64(wantM) {
					t.Fatalf("fast=%v K=%d (%g, %g): ‖g‖ %g, want %g", fast, k, gx[i], gy[i], m[i], wantM)
				}
				if wantM == 0 {
					if lo[i] != 0 || f[i] != 0 {
						t.Fatalf("fast=%v K=%d (%g, %g): lo %d, f %g for a zero gradient", fast, k, gx[i], gy[i], lo[i], f[i])
					}
					continue
				}
				got, want := float64(lo[i])+float64(f[i]), float64(b.angle(gx[i], gy[i]))
				d := math.Abs(got - want)
				d = math.Min(d, float64(k)-d) // 0 and K are one place
				if d > 2e-5 || lo[i] < 0 || int(lo[i]) >= k || f[i] < 0 || f[i] >= 1 {
					t.Fatalf("fast=%v K=%d (%g, %g): lo %d + f %g, angle %g", fast, k, gx[i], gy[i], lo[i], f[i], want)
				}
			}
		}
	}
}

// TestAtan2f: the float32 atan2 against math.Atan2.
func TestAtan2f(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	for i := 0; i < 100000; i++ {
		y, x := float32(rng.NormFloat64()), float32(rng.NormFloat64())
		if d := math.Abs(float64(atan2f(y, x)) - math.Atan2(float64(y), float64(x))); d > 5e-7 {
			t.Fatalf("atan2f(%g, %g) off by %g", y, x, d)
		}
	}
}

// TestCellsToPlanes: the vector transpose-and-add of a row of cells
// against the scalar loop, on every row width up to 40 (gathers of sixteen
// and masked tails), cells of 32 and 16 lanes and bin counts up to those.
func TestCellsToPlanes(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for _, lb := range [][2]int{{32, 1}, {32, 8}, {32, 18}, {32, 32}, {16, 8}, {16, 16}} {
		lanes, nb := lb[0], lb[1]
		for nc := 1; nc <= 40; nc++ {
			csp := 3*nc + 5
			src := make([]float32, lanes*nc)
			for i := range src {
				src[i] = float32(rng.NormFloat64())
			}
			want := make([]float32, nb*csp)
			for i := range want {
				want[i] = float32(rng.Intn(5))
			}
			got := slices.Clone(want)
			cellsToPlanesGo(want, csp, src, nb, nc, lanes)
			cellsToPlanes(got, csp, src, nb, nc, lanes)
			if !slices.Equal(got, want) {
				t.Fatalf("lanes=%d nb=%d nc=%d: %v, want %v", lanes, nb, nc, got, want)
			}
		}
	}
}

// TestHistogramForms runs the orientation binning and pooling of HOG, HOGb
// and DSIFT, forward and gradient, on the AVX-512 kernels and without
// them, on maps wide enough for whole blocks of sixteen and a partial one:
// the gradients agree exactly (the same operations in the same order), the
// cells to rounding (their sums are taken in another order).
func TestHistogramForms(t *testing.T) {
	if !has512 {
		t.Skip("the CPU has no AVX-512: one form only")
	}
	shape := []int{2, 2, 37, 45}
	hr, nhr := hogAxis(shape[2], 8)
	hc, nhc := hogAxis(shape[3], 8)
	sr, nsr := siftAxis(shape[2], 5)
	sc, nsc := siftAxis(shape[3], 5)
	for _, tc := range []struct {
		name string
		make func() histogram
	}{
		{"hog", func() histogram { return newHistogram(newBinning(18, false, false), hr, hc, nhr, nhc) }},
		{"hogb", func() histogram { return newHistogram(newBinning(18, true, false), hr, hc, nhr, nhc) }},
		{"dsift", func() histogram { return newHistogram(newBinning(8, true, true), sr, sc, nsr, nsc) }},
	} {
		rng := rand.New(rand.NewSource(12))
		x := graph.NewTensor(shape...)
		for i := range x.Data {
			x.Data[i] = float32(rng.NormFloat64())
			if rng.Intn(9) == 0 {
				x.Data[i] = 0 // some zero gradients
			}
		}
		var ys, gs [2]*graph.Tensor
		for i, wide := range []bool{true, false} {
			k := tc.make()
			if k.runs == nil || k.groups == nil {
				t.Fatalf("%s: the axes are not taken for the vector pooling", tc.name)
			}
			out, _ := k.OutShape([][]int{shape})
			y, gin := graph.NewTensor(out...), graph.NewTensor(shape...)
			gy := graph.NewTensor(out...)
			r := rand.New(rand.NewSource(13))
			for j := range gy.Data {
				gy.Data[j] = float32(r.NormFloat64())
			}
			has512 = wide
			k.Forward([]*graph.Tensor{x}, y)
			k.Backward(0, []*graph.Tensor{x}, y, gy, gin)
			has512 = true
			ys[i], gs[i] = y, gin
		}
		for j := range ys[0].Data {
			if a, b := ys[0].Data[j], ys[1].Data[j]; math.Abs(float64(a-b)) > 1e-5*(1+math.Abs(float64(b))) {
				t.Fatalf("%s: cell value %d: %g with AVX-512, %g without", tc.name, j, a, b)
			}
		}
		for j := range gs[0].Data {
			if a, b := gs[0].Data[j], gs[1].Data[j]; a != b {
				t.Fatalf("%s: gradient %d: %g with AVX-512, %g without", tc.name, j, a, b)
			}
		}
	}
}
