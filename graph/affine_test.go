package graph

import (
	"math"
	"testing"
)

func TestBatchNorm(t *testing.T) {
	gamma, beta := []float32{1.5, -0.5, 2}, []float32{0.1, 0.2, -0.3}
	mean, variance := []float32{0.3, -1, 0}, []float32{2, 0.5, 1}
	// Planes of 20: the vector body and a tail; with and without the
	// fused Relu.
	shape := []int{2, 3, 4, 5}
	for _, relu := range []bool{false, true} {
		name := "BatchNorm"
		if relu {
			name = "BatchNormRelu"
		}
		runOpCase(t, opCase{name: name, in: shape,
			build: func(x *Node) (*Node, error) { return BatchNorm(x, gamma, beta, mean, variance, 1e-5, relu) },
			ref: func(x []float64) []float64 {
				out := make([]float64, len(x))
				for i, v := range x {
					c := (i / 20) % 3
					out[i] = float64(gamma[c])*(v-float64(mean[c]))/math.Sqrt(float64(variance[c])+1e-5) + float64(beta[c])
					if relu {
						out[i] = max(out[i], 0)
					}
				}
				return out
			}})
	}
}

func TestNormalization(t *testing.T) {
	// Paper units in, model units out: x/(255·std).
	shape := []int{1, 3, 2, 2}
	runOpCase(t, opCase{name: "Normalization", in: shape,
		build: func(x *Node) (*Node, error) { return ImageNet.ModelInput(x) },
		ref: func(x []float64) []float64 {
			out := make([]float64, len(x))
			for i, v := range x {
				out[i] = v * float64(float32(1/(255*ImageNet.Std[i/4])))
			}
			return out
		}})
	bgr := Normalization{Mean: ImageNet.Mean, Std: []float64{1. / 255, 1. / 255, 1. / 255}, BGR: true}
	runOpCase(t, opCase{name: "Normalization/BGR", in: shape,
		build: func(x *Node) (*Node, error) { return bgr.ModelInput(x) },
		ref: func(x []float64) []float64 {
			out := make([]float64, len(x))
			for i := range x {
				out[i] = x[(2-i/4)*4+i%4]
			}
			return out
		}})
}
