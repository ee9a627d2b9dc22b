package graph

import (
	"fmt"
	"slices"

	"github.com/invrep/invrep/graph/parallel"
)

// resizePlanes is a Resize that changes only the last two axes: every
// plane (one image's channel) is interpolated alike, from one tap table
// per axis. Its tables hold H′ + W′ entries per tap, where LinearMap's
// would hold one per output element and tap — 2 GB for the 64 channels of
// a 1024² U-Net upsampling, built before anything runs. The arithmetic is
// LinearMap's, term for term: each output sums, over the row taps and
// within them the column taps, float32(wx·wy) times the input, so that
// both give the same bits.
type resizePlanes struct {
	name    string
	inShape []int
	shape   []int
	ty, tx  int       // taps per output row, per output column
	iy, ix  []int32   // input row (column) of each output row (column) and tap
	wy, wx  []float64 // their weights
}

// ResizeByPlanes says whether Resize of an input of this shape holds a
// tap table per axis (only the last two axes change; not
// tf_crop_and_resize) rather than one per output element and tap, which
// a caller charging memory must count.
func ResizeByPlanes(shape []int, p ResizeParams) bool {
	r := len(shape)
	if r < 2 || len(p.Out) != r || (p.Scales != nil && len(p.Scales) != r) || p.Coord == "tf_crop_and_resize" {
		return false
	}
	for d := 0; d < r-2; d++ {
		if p.Out[d] != shape[d] || (p.Scales != nil && p.Scales[d] != 0 && p.Scales[d] != 1) {
			return false
		}
	}
	return true
}

// resizePlanesOf builds the plane kernel where p fits it (ok false
// otherwise, for LinearMap to serve).
func resizePlanesOf(x *Node, p ResizeParams) (*Node, bool, error) {
	r := len(x.shape)
	if !ResizeByPlanes(x.shape, p) {
		return nil, false, nil
	}
	k := &resizePlanes{name: fmt.Sprintf("Resize(%s,%s,%v)", p.Mode, p.Coord, p.Out), inShape: x.Shape(), shape: append([]int(nil), p.Out...)}
	for i, d := range []int{r - 2, r - 1} {
		if p.Out[d] <= 0 {
			return nil, true, fmt.Errorf("Resize: output shape %v", p.Out)
		}
		scale := 0.0
		if p.Scales != nil {
			scale = p.Scales[d]
		}
		taps, idx, w, err := p.axisTapsAt(d, x.shape[d], p.Out[d], scale, make([]bool, p.Out[d]))
		if err != nil {
			return nil, true, fmt.Errorf("Resize: %w", err)
		}
		ix := make([]int32, len(idx))
		for j, v := range idx {
			ix[j] = int32(v)
		}
		if i == 0 {
			k.ty, k.iy, k.wy = taps, ix, w
		} else {
			k.tx, k.ix, k.wx = taps, ix, w
		}
	}
	y, err := Apply(k, x)
	return y, true, err
}

func (k *resizePlanes) String() string    { return k.name }
func (k *resizePlanes) Diffable(int) bool { return true }

// Overwrites implements Overwriter: every output is written; the gradient
// is a scatter-add onto a cleared buffer.
func (k *resizePlanes) Overwrites(grad bool, _ int) bool { return !grad }

func (k *resizePlanes) OutShape(in [][]int) ([]int, error) {
	if len(in) != 1 || !slices.Equal(in[0], k.inShape) {
		return nil, fmt.Errorf("built for input %v, got %v", k.inShape, in)
	}
	return append([]int(nil), k.shape...), nil
}

// dims are the input and output plane sizes and the number of planes.
func (k *resizePlanes) dims() (h, w, oh, ow, planes int) {
	r := len(k.shape)
	h, w, oh, ow = k.inShape[r-2], k.inShape[r-1], k.shape[r-2], k.shape[r-1]
	return h, w, oh, ow, Numel(k.shape) / (oh * ow)
}

// Forward runs over (plane, output row) pairs: every output is written
// once, from its plane's input alone.
func (k *resizePlanes) Forward(in []*Tensor, out *Tensor) {
	h, w, oh, ow, planes := k.dims()
	x, y := in[0].Data, out.Data
	parallel.For(planes*oh, func(job int) {
		pl, oy := job/oh, job%oh
		src := x[pl*h*w : (pl+1)*h*w]
		dst := y[(pl*oh+oy)*ow : (pl*oh+oy+1)*ow]
		rows, wys := k.iy[oy*k.ty:(oy+1)*k.ty], k.wy[oy*k.ty:(oy+1)*k.ty]
		if k.ty == 2 && k.tx == 2 { // bilinear, unrolled; the same sums in the same order
			r0, r1 := src[int(rows[0])*w:(int(rows[0])+1)*w], src[int(rows[1])*w:(int(rows[1])+1)*w]
			wy0, wy1 := wys[0], wys[1]
			for ox := range dst {
				i0, i1 := k.ix[2*ox], k.ix[2*ox+1]
				wx0, wx1 := k.wx[2*ox], k.wx[2*ox+1]
				s := float32(0)
				s += float32(1*wx0*wy0) * r0[i0]
				s += float32(1*wx1*wy0) * r0[i1]
				s += float32(1*wx0*wy1) * r1[i0]
				s += float32(1*wx1*wy1) * r1[i1]
				dst[ox] = s
			}
			return
		}
		for ox := range dst {
			cols, wxs := k.ix[ox*k.tx:(ox+1)*k.tx], k.wx[ox*k.tx:(ox+1)*k.tx]
			s := float32(0)
			for a, iy := range rows {
				row := src[int(iy)*w:]
				for b, ix := range cols {
					s += float32(1*wxs[b]*wys[a]) * row[ix]
				}
			}
			dst[ox] = s
		}
	})
}

// Backward scatters each output's gradient onto its taps, plane by plane
// in parallel (planes share no input), in LinearMap's order within each.
func (k *resizePlanes) Backward(_ int, _ []*Tensor, _, gout, gin *Tensor) {
	h, w, oh, ow, planes := k.dims()
	g, d := gout.Data, gin.Data
	parallel.For(planes, func(pl int) {
		dst := d[pl*h*w : (pl+1)*h*w]
		for oy := 0; oy < oh; oy++ {
			src := g[(pl*oh+oy)*ow : (pl*oh+oy+1)*ow]
			rows, wys := k.iy[oy*k.ty:(oy+1)*k.ty], k.wy[oy*k.ty:(oy+1)*k.ty]
			if k.ty == 2 && k.tx == 2 { // bilinear, unrolled, in the same order
				r0, r1 := dst[int(rows[0])*w:(int(rows[0])+1)*w], dst[int(rows[1])*w:(int(rows[1])+1)*w]
				wy0, wy1 := wys[0], wys[1]
				for ox, gv := range src {
					i0, i1 := k.ix[2*ox], k.ix[2*ox+1]
					wx0, wx1 := k.wx[2*ox], k.wx[2*ox+1]
					r0[i0] += float32(1*wx0*wy0) * gv
					r0[i1] += float32(1*wx1*wy0) * gv
					r1[i0] += float32(1*wx0*wy1) * gv
					r1[i1] += float32(1*wx1*wy1) * gv
				}
				continue
			}
			for ox, gv := range src {
				cols, wxs := k.ix[ox*k.tx:(ox+1)*k.tx], k.wx[ox*k.tx:(ox+1)*k.tx]
				for a, iy := range rows {
					row := dst[int(iy)*w:]
					for b, ix := range cols {
						row[ix] += float32(1*wxs[b]*wys[a]) * gv
					}
				}
			}
		}
	})
}
