//go:build !amd64

package vec

func deinterleaveVec(e, o, src []float32) int { return 0 }

func reluVec(dst, src []float32) int      { return 0 }
func reluGradVec(dst, y, g []float32) int { return 0 }

func dotVec(a, b []float32) (int, float32)      { return 0, 0 }
func axpyVec(y, x []float32, alpha float32) int { return 0 }

func argmaxTapVec(best []float32, idx []int32, tap []float32, start, step int32) int { return 0 }

func lrnScaleVec(r, rs, s []float32, bias, a float32) int { return 0 }

func clipVec(dst, src []float32, lo, hi float32) int      { return 0 }
func clipGradVec(dst, x, g []float32, lo, hi float32) int { return 0 }

func maxPool3s2Vec(best []float32, idx []int32, r0, r1, r2 []float32, off0, off1, off2, x0 int32) int {
	return 0
}

func momentumVec(x, mu, g []float32, m, s float32) int            { return 0 }
func adaGradVec(x, mu, acc, g []float32, m, rho, inv float32) int { return 0 }
func sumSqDiffVec(a, b []float32) (int, float32)                  { return 0, 0 }
func laplaceVec(d, x, up, down []float32, c float32) int          { return 0 }
func sumPow6Vec(x []float32) (int, float64)                       { return 0, 0 }
func scaledPow5Vec(d, x []float32, c float32) int                 { return 0 }
func scaledDiffVec(d, a, b []float32, f float32) int              { return 0 }
func scaledDiffsVec(d, a, b, c, e []float32, f float32) int       { return 0 }
func blendVec(d, a, b []float32, wa, wb float32) int              { return 0 }

func winoInput6Vec(plane []float32, offs []int32, wp int, v []float32, vs, step, groups int, spill bool) bool {
	return false
}

func winoInputRowVec(src []float32, wp int, dst []float32, ds, n int) int { return 0 }

func winoOutputRowVec(o []float32, os int, y0, y1 []float32, n int, bias float32, relu bool) int {
	return 0
}

// hasAVX2 is false off amd64: the scalar loops do everything.
var hasAVX2, hasFMA, has512 = false, false, false

func mulVec(d, a, b []float32) int          { return 0 }
func addMulVec(d, a, b []float32) int       { return 0 }
func mulSubVec(d, a, b, c, e []float32) int { return 0 }

func geluVec(dst, src []float32) int      { return 0 }
func geluGradVec(dst, x, g []float32) int { return 0 }

func expShiftVec(dst, src []float32, shift float32) (int, float32) { return 0, 0 }

func sumSqVec(x []float32, c float32) (int, float32, float32) { return 0, 0, 0 }
func normAffineVec(y, x, g, b []float32, m, inv float32) int  { return 0 }
func normGradVec(d, x []float32, a, c, m, inv float32) int    { return 0 }

func dotShiftVec(u, x []float32, c float32) (int, float32) { return 0, 0 }

func sigmoidVec(dst, src []float32) int { return 0 }

func siluVec(dst, src []float32) int { return 0 }

func siluGradVec(dst, x, g []float32) int { return 0 }

func scaleAddVec(dst, src []float32, a, c float32) int { return 0 }

func axpyFromVec(y, x []float32, alpha float32, stride int) int { return 0 }
func axpyToVec(y, x []float32, alpha float32, stride int) int   { return 0 }
