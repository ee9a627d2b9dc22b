package handcrafted

import (
	"fmt"
	"math"

	"github.com/invrep/invrep/graph"
)

// cellWeight is one pixel's bilinear weight in one cell along an axis.
type cellWeight struct {
	cell int
	w    float32
}

// histogram is orientation binning followed by bilinear spatial pooling into
// cells (hog_net and dsift_net layers 2 and 3) as one kernel: each pixel's
// binned gradient goes straight to the (up to) 2×2 cells around it. As
// separate layers, the pooling would be a 2b×2b depthwise convolution over
// K histogram planes that are zero but for one or two bins per pixel.
//
// Spatial weights are separable: rows[y] and cols[x] list the cells a
// pixel row or column contributes to, with their weights.
type histogram struct {
	bins       binning
	rows, cols [][]cellWeight
	nr, nc     int
}

// hogAxis is VLFeat's HOG assignment: pixel x goes to cell c with weight
// 1 − |(x+0.5)/b − 0.5 − c|, cells 0..⌊n/b⌋−1.
func hogAxis(n, b int) ([][]cellWeight, int) {
	cells := n / b
	out := make([][]cellWeight, n)
	for x := 0; x < n; x++ {
		h := (float64(x)+0.5)/float64(b) - 0.5
		c := int(math.Floor(h))
		f := h - float64(c)
		for _, cw := range []cellWeight{{c, float32(1 - f)}, {c + 1, float32(f)}} {
			if cw.cell >= 0 && cw.cell < cells && cw.w > 0 {
				out[x] = append(out[x], cw)
			}
		}
	}
	return out, cells
}

// siftAxis is VLFeat's dense SIFT assignment: bins centred on pixels 0, b,
// 2b, …; pixel x goes to bin c with weight 1 − |x − cb|/b, and the image
// border is replicated (the edge pixels also take the weight of the
// positions beyond them).
func siftAxis(n, b int) ([][]cellWeight, int) {
	cells := (n-1)/b + 1
	acc := make([]map[int]float64, n)
	for i := range acc {
		acc[i] = map[int]float64{}
	}
	for c := 0; c < cells; c++ {
		for d := -(b - 1); d <= b-1; d++ {
			x := min(max(c*b+d, 0), n-1)
			acc[x][c] += 1 - math.Abs(float64(d))/float64(b)
		}
	}
	out := make([][]cellWeight, n)
	for x, m := range acc {
		for c := max(0, x/b-2); c <= min(cells-1, x/b+2); c++ {
			if w, ok := m[c]; ok {
				out[x] = append(out[x], cellWeight{c, float32(w)})
			}
		}
	}
	return out, cells
}

func (k histogram) String() string {
	return fmt.Sprintf("Histogram(%v,%dx%d cells)", k.bins, k.nr, k.nc)
}
func (k histogram) Diffable(int) bool { return true }
func (k histogram) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || len(in[0]) != 4 || in[0][1] != 2 || in[0][2] != len(k.rows) || in[0][3] != len(k.cols) {
		return nil, fmt.Errorf("want [N,2,%d,%d] gradients, got %v", len(k.rows), len(k.cols), in)
	}
	return []int{in[0][0], k.bins.k, k.nr, k.nc}, nil
}

// pixel calls f(bin, weight) for the (one or two) bins of gradient (gx, gy),
// with m·w_bin as the weight, and returns m.
func (k histogram) pixel(gx, gy float32, f func(bin int, v float64)) float64 {
	m := math.Sqrt(float64(gx)*float64(gx) + float64(gy)*float64(gy))
	if m == 0 {
		return 0
	}
	if !k.bins.bilinear {
		f(k.bins.hardBin(gx, gy), m)
		return m
	}
	nt := k.bins.angle(gx, gy)
	lo := int(math.Floor(nt))
	fr := nt - float64(lo)
	f(lo%k.bins.k, (1-fr)*m)
	f((lo+1)%k.bins.k, fr*m)
	return m
}

func (k histogram) walk(shape []int, f func(n, i, j, gi, sp int)) {
	h, w := shape[2], shape[3]
	sp := h * w
	for n := 0; n < shape[0]; n++ {
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				f(n, i, j, n*2*sp+i*w+j, sp)
			}
		}
	}
}

func (k histogram) Forward(in []*graph.Tensor, out *graph.Tensor) {
	g, y := in[0].Data, out.Data
	csp := k.nr * k.nc
	k.walk(in[0].Shape, func(n, i, j, gi, sp int) {
		base := n * k.bins.k * csp
		k.pixel(g[gi], g[gi+sp], func(bin int, v float64) {
			plane := y[base+bin*csp:]
			for _, r := range k.rows[i] {
				for _, c := range k.cols[j] {
					plane[r.cell*k.nc+c.cell] += float32(v) * r.w * c.w
				}
			}
		})
	})
}

// Backward: the pooled gradient of each bin, dL/dy_bin = Σ_cells g·w_r·w_c,
// goes through the binning: ∂m/∂g = g/m; for bilinear binning the weights
// also move with the angle, ∂θ/∂g = (−gy, gx)/m², ∂w_lo/∂θ = −K/2π = −∂w_hi/∂θ.
func (k histogram) Backward(_ int, in []*graph.Tensor, _, gout, gin *graph.Tensor) {
	g, go_, d := in[0].Data, gout.Data, gin.Data
	csp := k.nr * k.nc
	c := float64(k.bins.k) / (2 * math.Pi)
	k.walk(in[0].Shape, func(n, i, j, gi, sp int) {
		gx, gy := float64(g[gi]), float64(g[gi+sp])
		m := math.Sqrt(gx*gx + gy*gy)
		if m == 0 {
			return
		}
		base := n * k.bins.k * csp
		pooled := func(bin int) float64 {
			plane := go_[base+bin*csp:]
			s := float32(0)
			for _, r := range k.rows[i] {
				for _, cl := range k.cols[j] {
					s += plane[r.cell*k.nc+cl.cell] * r.w * cl.w
				}
			}
			return float64(s)
		}
		if !k.bins.bilinear {
			gb := pooled(k.bins.hardBin(g[gi], g[gi+sp]))
			d[gi] = float32(gb * gx / m)
			d[gi+sp] = float32(gb * gy / m)
			return
		}
		nt := k.bins.angle(g[gi], g[gi+sp])
		lo := int(math.Floor(nt))
		f := nt - float64(lo)
		glo, ghi := pooled(lo%k.bins.k), pooled((lo+1)%k.bins.k)
		dm := glo*(1-f) + ghi*f
		dth := c * m * (ghi - glo)
		d[gi] = float32(dm*gx/m - dth*gy/(m*m))
		d[gi+sp] = float32(dm*gy/m + dth*gx/(m*m))
	})
}
