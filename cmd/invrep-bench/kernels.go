package main

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/gemm"
)

// kernelCase is one hot kernel of the families, timed forward and input
// gradient through a compiled program as the inversions run it.
type kernelCase struct {
	name  string
	in, w []int // NCHW input, filters
	p     graph.ConvParams
}

var kernelCases = []kernelCase{
	{"ResNet-50 layer1 3×3, 64→64 on 56×56 (Winograd)", []int{1, 64, 56, 56}, []int{64, 64, 3, 3}, graph.ConvParams{Pads: [4]int{1, 1, 1, 1}}},
	{"ResNet-50 layer3 3×3, 256→256 on 14×14 (Winograd)", []int{1, 256, 14, 14}, []int{256, 256, 3, 3}, graph.ConvParams{Pads: [4]int{1, 1, 1, 1}}},
	{"ResNet-50 layer2 3×3 stride 2, 128→128 from 56×56", []int{1, 128, 56, 56}, []int{128, 128, 3, 3}, graph.ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}},
	{"ResNet-50 layer1 1×1, 64→256 on 56×56", []int{1, 64, 56, 56}, []int{256, 64, 1, 1}, graph.ConvParams{}},
	{"ResNet-50 layer3 1×1, 1024→256 on 14×14", []int{1, 1024, 14, 14}, []int{256, 1024, 1, 1}, graph.ConvParams{}},
	{"DenseNet-121 3×3, 128→32 on 14×14", []int{1, 128, 14, 14}, []int{32, 128, 3, 3}, graph.ConvParams{Pads: [4]int{1, 1, 1, 1}}},
	{"depthwise 3×3, 96 channels on 56×56", []int{1, 96, 56, 56}, []int{96, 1, 3, 3}, graph.ConvParams{Group: 96, Pads: [4]int{1, 1, 1, 1}}},
	{"depthwise 5×5 stride 2, 144 channels from 56×56", []int{1, 144, 56, 56}, []int{144, 1, 5, 5}, graph.ConvParams{Group: 144, Strides: [2]int{2, 2}, Pads: [4]int{2, 2, 2, 2}}},
}

// runKernels prints each hot kernel's time and GFLOP/s on threads cores,
// beside the machine's peak: the matrix product's micro-kernel measured on
// one core with everything in L1, times the cores.
func runKernels(threads int) error {
	runtime.GOMAXPROCS(threads)
	peak := gemm.KernelPeak()
	fmt.Printf("kernels: %s on %d threads; micro-kernel peak %.0f GFLOP/s a core (in L1), %.0f on %d\n", gemm.Best.Name(), threads, peak, peak*float64(threads), threads)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "kernel (forward + input gradient)\tms\tGFLOP/s\tof peak")
	for _, c := range kernelCases {
		ms, flops, err := timeConv(c)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		rate := flops / ms / 1e6
		share := "-"
		if peak > 0 {
			share = fmt.Sprintf("%.0f%%", 100*rate/(peak*float64(threads)))
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.0f\t%s\n", c.name, ms, rate, share)
	}
	return tw.Flush()
}

// timeConv is the median milliseconds of a run (forward and input
// gradient) and its flops, counted as a direct convolution's.
func timeConv(c kernelCase) (float64, float64, error) {
	rng := rand.New(rand.NewSource(1))
	random := func(shape ...int) *graph.Tensor {
		t := graph.NewTensor(shape...)
		for i := range t.Data {
			t.Data[i] = float32(rng.NormFloat64())
		}
		return t
	}
	g := graph.New()
	x, err := g.Input("x", c.in...)
	if err != nil {
		return 0, 0, err
	}
	y, err := graph.Conv(x, g.Const(random(c.w...)), nil, c.p)
	if err != nil {
		return 0, 0, err
	}
	loss, err := graph.Dot(y, random(y.Shape()...))
	if err != nil {
		return 0, 0, err
	}
	p, err := g.Compile(loss)
	if err != nil {
		return 0, 0, err
	}
	defer p.Close()
	in := random(c.in...)
	var times []float64
	for start := time.Now(); len(times) < 20 || time.Since(start) < time.Second; {
		t0 := time.Now()
		if err := p.Run(in); err != nil {
			return 0, 0, err
		}
		times = append(times, float64(time.Since(t0).Microseconds())/1000)
	}
	slices.Sort(times)
	flops := 2 * 2 * float64(graph.Numel(y.Shape())) * float64(c.w[1]*c.w[2]*c.w[3])
	return times[len(times)/2], flops, nil
}
