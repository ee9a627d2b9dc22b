//go:build !amd64

package handcrafted

func hardBinVec(bin []int32, mag, gx, gy, ox, oy []float32) int { return 0 }
