// Command invrep-bench measures invrep against the PyTorch inversion of
// ../shared/peers (the authors' algorithm, torch_invert.py) on the same
// model, layer, image, iteration count and thread count, in one run, and
// prints for each case the median milliseconds per iteration of both, their
// ratio, and peak memory. Every case runs in a child process of its own, so
// each peak is that case's alone.
//
//	invrep-bench [--iters 400] [--threads 2] [--rounds 3] [--cases squeezenet,caffenet,hog,modern,families,dense,ijcv,featvis] [--peer ../shared/peers/torch_invert.py] [--exports DIR] [--ort DIR]
//
// The peer needs Debian's PyTorch: apt-get install -y python3-torch
// python3-torchvision python3-onnx (it runs with /usr/bin/python3), and
// for the transformer cases an optimised BLAS under it, as any PyTorch
// user has (apt-get install -y libopenblas0-pthread: Debian's torch calls
// the system BLAS, the reference one otherwise, at 5 GFLOP/s). The modern
// cases (ConvNeXt-T, ViT-B/16) read the exports of testdata/tv_export.py
// from --exports; their peer is testdata/torch_step.py, which builds the
// same torchvision network with the same seed and calibration. The dense
// cases (testdata/dense_models.py, exported with tv_export.py --arch NAME)
// are also timed forward only against onnxruntime-node given --ort.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/graph/pixels"
	"github.com/invrep/invrep/handcrafted"
	"github.com/invrep/invrep/invert"
	"github.com/invrep/invrep/onnxload"
	"github.com/invrep/invrep/zoo"
	"github.com/spf13/pflag"
)

// benchCase is one comparison.
type benchCase struct {
	Name   string
	Group  string
	Model  string // zoo name
	Layer  string // ONNX node
	Random int64  // ≥ 0: random weights with this seed
	Size   int
	Peer   []string // torch_invert.py arguments; nil: no peer
	Rep    string   // hog, hogb, dsift: a handcrafted inversion instead
	Iters  int      // overrides --iters
	Note   string
	// Export, Arch and Module: a testdata/tv_export.py export (a file
	// under --exports), its torchvision architecture and the module whose
	// output is inverted; the peer is testdata/torch_step.py.
	Export, Arch, Module string
	// Task is an IJCV visualisation (ijcv, maximize, caricature) instead
	// of the CVPR inversion; Versus names the CVPR case at the same node,
	// run alternately with it as its baseline.
	Task, Versus string
	// Repeats is the starts optimised as one batch (--repeats); Versus
	// is then the one-start case.
	Repeats int
	// PeerScript is a testdata script of the PyTorch side (its arguments
	// after the path), for cases without a torch_invert.py peer.
	PeerScript []string
}

var cases = []benchCase{
	{Name: "SqueezeNet 1.1 pool0", Group: "squeezenet", Model: "squeezenet1.1", Layer: "pool0", Size: 224, Random: -1,
		Peer: []string{"--model", "squeezenet1_1", "--layer", "features.2"}},
	{Name: "SqueezeNet 1.1 fire3", Group: "squeezenet", Model: "squeezenet1.1", Layer: "fire3", Size: 224, Random: -1,
		Peer: []string{"--model", "squeezenet1_1", "--layer", "features.7"}},
	{Name: "SqueezeNet 1.1 conv25_relu", Group: "squeezenet", Model: "squeezenet1.1", Layer: "conv25_relu", Size: 224, Random: -1,
		Peer: []string{"--model", "squeezenet1_1", "--layer", "classifier.2"}},
	{Name: "SqueezeNet 1.1 logits", Group: "squeezenet", Model: "squeezenet1.1", Layer: "logits", Size: 224, Random: -1,
		Peer: []string{"--model", "squeezenet1_1", "--layer", "flatten"}},
	{Name: "CaffeNet shape pool5", Group: "caffenet", Model: "alexnet-arch", Layer: "r14", Size: 227, Random: 1,
		Peer: []string{"--model", "caffenet_random", "--layer", "pool5"}, Note: "random weights"},
	{Name: "CaffeNet shape fc8", Group: "caffenet", Model: "alexnet-arch", Layer: "r24", Size: 227, Random: 1,
		Peer: []string{"--model", "caffenet_random", "--layer", "fc8"}, Note: "random weights"},
	{Name: "ConvNeXt-T features.5 (stage 3)", Group: "modern", Export: "convnext_tiny-opset14/model.onnx", Arch: "convnext_tiny", Module: "features.5",
		Size: 224, Iters: 20, Random: -1, Note: "random weights, LayerNorm and GELU chains of an opset-14 export"},
	{Name: "ViT-B/16 encoder_layer_5 (block 6)", Group: "modern", Export: "vit_b_16-opset14/model.onnx", Arch: "vit_b_16", Module: "encoder.layers.encoder_layer_5",
		Size: 224, Iters: 20, Random: -1, Note: "random weights, opset-14 export"},
	{Name: "ResNet-50 layer3", Group: "families", Export: "resnet50-opset14/model.onnx", Arch: "resnet50", Module: "layer3",
		Size: 224, Iters: 20, Random: -1, Note: "random weights, opset-14 export"},
	{Name: "EfficientNet-B0 features.5", Group: "families", Export: "efficientnet_b0-opset14/model.onnx", Arch: "efficientnet_b0", Module: "features.5",
		Size: 224, Iters: 20, Random: -1, Note: "random weights, opset-14 export"},
	{Name: "MobileNetV3-Large features.10", Group: "families", Export: "mobilenet_v3_large-opset14/model.onnx", Arch: "mobilenet_v3_large", Module: "features.10",
		Size: 224, Iters: 20, Random: -1, Note: "random weights, opset-14 export"},
	{Name: "DenseNet-121 denseblock3", Group: "families", Export: "densenet121-opset14/model.onnx", Arch: "densenet121", Module: "features.denseblock3",
		Size: 224, Iters: 20, Random: -1, Note: "random weights, opset-14 export"},
	// Dense prediction at 512–1024 px (testdata/dense_models.py), each
	// inverted at the network's output (Module "": the root module on
	// PyTorch's side, the model's output on invrep's), and timed forward
	// only against onnxruntime-node (the forward table, with --ort).
	{Name: "U²-Net-like (dilated RSU blocks) output, 1024²", Group: "dense", Export: "u2net_lite-opset14.onnx", Arch: "u2net_lite",
		Size: 1024, Iters: 6, Random: -1, Note: "random calibrated weights; ceil-mode max-pools, bilinear upsampling, concatenations"},
	{Name: "DeepLabV3-MobileNetV3-Large output, 520²", Group: "dense", Export: "deeplabv3_mobilenet_v3_large-opset14.onnx", Arch: "deeplabv3_mobilenet_v3_large",
		Size: 520, Iters: 6, Random: -1, Note: "random calibrated weights; dilated depthwise convolutions, ASPP, bilinear upsampling"},
	{Name: "LRASPP-MobileNetV3-Large output, 520²", Group: "dense", Export: "lraspp_mobilenet_v3_large-opset14.onnx", Arch: "lraspp_mobilenet_v3_large",
		Size: 520, Iters: 6, Random: -1, Note: "random calibrated weights"},
	{Name: "FCN-ResNet50 output, 512²", Group: "dense", Export: "fcn_resnet50-opset14.onnx", Arch: "fcn_resnet50",
		Size: 512, Iters: 4, Random: -1, Note: "random calibrated weights; dilated ResNet-50 (output stride 8)"},
	{Name: "Faster R-CNN ResNet-50 FPN level 0, 800²", Group: "dense", Export: "fasterrcnn_fpn-opset14.onnx", Arch: "fasterrcnn_fpn",
		Size: 800, Iters: 4, Random: -1, Note: "random calibrated weights; the backbone and FPN, stride-4 level"},
	{Name: "SqueezeNet 1.1 fire3, 4 starts", Group: "repeats", Model: "squeezenet1.1", Layer: "fire3", Size: 224, Random: -1, Repeats: 4, Versus: "SqueezeNet 1.1 fire3"},
	{Name: "CaffeNet shape pool5, 4 starts", Group: "repeats", Model: "alexnet-arch", Layer: "r14", Size: 227, Random: 1, Repeats: 4, Versus: "CaffeNet shape pool5", Note: "random weights"},
	{Name: "ResNet-50 layer3, 4 starts", Group: "repeats", Export: "resnet50-opset14/model.onnx", Arch: "resnet50", Module: "layer3",
		Size: 224, Iters: 20, Random: -1, Repeats: 4, Versus: "ResNet-50 layer3", Note: "random weights, opset-14 export"},
	{Name: "HOG 500×333, 800 iterations", Group: "hog", Rep: "hog", Iters: 800, Note: "paper: 60 s for this method, HOGgles 2–3 s"},
	{Name: "HOGb 500×333, 800 iterations", Group: "hog", Rep: "hogb", Iters: 800, Versus: "HOG 500×333, 800 iterations"},
	{Name: "DSIFT 500×333, 800 iterations", Group: "hog", Rep: "dsift", Iters: 800, Versus: "HOG 500×333, 800 iterations"},
	{Name: "SqueezeNet 1.1 fire7", Group: "featvis", Model: "squeezenet1.1", Layer: "fire7", Size: 224, Random: -1, Note: "the CVPR inversion, baseline of the visualisations"},
	{Name: "SqueezeNet 1.1 fire7:12, visualize (pixels, standard transforms)", Group: "featvis", Model: "squeezenet1.1", Layer: "fire7", Size: 224, Random: -1,
		Task: "visualize", Versus: "SqueezeNet 1.1 fire7", PeerScript: []string{"torch_featvis.py", "--param", "pixel"}},
	{Name: "SqueezeNet 1.1 fire7:12, visualize (fft, decorrelated, standard transforms)", Group: "featvis", Model: "squeezenet1.1", Layer: "fire7", Size: 224, Random: -1,
		Task: "visualize-fft", Versus: "SqueezeNet 1.1 fire7", PeerScript: []string{"torch_featvis.py", "--param", "fft"}},
	{Name: "SqueezeNet 1.1 fire3, IJCV inversion", Group: "ijcv", Model: "squeezenet1.1", Layer: "fire3", Size: 224, Random: -1, Task: "ijcv", Versus: "SqueezeNet 1.1 fire3"},
	{Name: "SqueezeNet 1.1 fire3, caricature", Group: "ijcv", Model: "squeezenet1.1", Layer: "fire3", Size: 224, Random: -1, Task: "caricature", Versus: "SqueezeNet 1.1 fire3"},
	{Name: "SqueezeNet 1.1 logits, IJCV inversion", Group: "ijcv", Model: "squeezenet1.1", Layer: "logits", Size: 224, Random: -1, Task: "ijcv", Versus: "SqueezeNet 1.1 logits"},
	{Name: "SqueezeNet 1.1 logits, class maximisation", Group: "ijcv", Model: "squeezenet1.1", Layer: "logits", Size: 224, Random: -1, Task: "maximize", Versus: "SqueezeNet 1.1 logits"},
	{Name: "SqueezeNet 1.1 logits, caricature", Group: "ijcv", Model: "squeezenet1.1", Layer: "logits", Size: 224, Random: -1, Task: "caricature", Versus: "SqueezeNet 1.1 logits"},
}

// measurement is what a child reports.
type measurement struct {
	MsPerIter  float64 `json:"ms_per_iter"`
	Seconds    float64 `json:"seconds"`
	RelErr     float64 `json:"rel_err"`
	RSSQuarter int64   `json:"rss_quarter_kb"` // resident memory a quarter of the way in, after a collection
	RSSEnd     int64   `json:"rss_end_kb"`     // and at the last iteration
}

func main() {
	fs := pflag.NewFlagSet("invrep-bench", pflag.ContinueOnError)
	iters := fs.Int("iters", 400, "iterations per CNN case (the schedule keeps its proportions)")
	threads := fs.Int("threads", 2, "threads for both invrep (GOMAXPROCS) and PyTorch")
	which := fs.String("cases", "squeezenet,caffenet,hog", "case groups to run (also: modern, families, dense, repeats, ijcv, featvis, kernels)")
	peer := fs.String("peer", filepath.Join("..", "shared", "peers", "torch_invert.py"), "the PyTorch peer script")
	models := fs.String("models-dir", filepath.Join("..", "shared", "models"), "model folder")
	image := fs.String("image", filepath.Join("..", "shared", "images", "chelsea.png"), "photo for the CNN cases")
	hogImage := fs.String("hog-image", filepath.Join("..", "shared", "images", "chelsea.png"), "photo for the HOG case (resized to 500×333)")
	exports := fs.String("exports", filepath.Join("out", "tv"), "folder of testdata/tv_export.py --bundle exports, for the modern cases")
	rounds := fs.Int("rounds", 3, "runs of each tool per case, alternating; the medians are reported (this machine's speed drifts by 20% between runs)")
	child := fs.String("child", "", "(internal) run one case and print its measurement")
	childForward := fs.String("child-forward", "", "(internal) time one dense case's forward pass")
	ort := fs.String("ort", "", "a folder holding node_modules/onnxruntime-node: the dense cases' forward passes are then timed against it")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "invrep-bench:", err)
		os.Exit(2)
	}
	if *childForward != "" {
		if err := runForwardChild(*childForward, *iters, *models, *exports, *image); err != nil {
			fmt.Fprintln(os.Stderr, "invrep-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *child != "" {
		if err := runChild(*child, *iters, *models, *exports, *image, *hogImage); err != nil {
			fmt.Fprintln(os.Stderr, "invrep-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *rounds < 1 {
		fmt.Fprintln(os.Stderr, "invrep-bench: --rounds must be at least 1")
		os.Exit(2)
	}
	if err := run(*which, *iters, *threads, *rounds, *peer, *models, *exports, *image, *hogImage, *ort); err != nil {
		fmt.Fprintln(os.Stderr, "invrep-bench:", err)
		os.Exit(1)
	}
}

func run(which string, iters, threads, rounds int, peer, models, exports, image, hogImage, ort string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	groups := map[string]bool{}
	for _, g := range strings.Split(which, ",") {
		groups[strings.TrimSpace(g)] = true
	}
	python := "/usr/bin/python3"
	havePeer := exec.Command(python, "-c", "import torch, torchvision, onnx").Run() == nil
	if !havePeer {
		fmt.Println("PyTorch peer unavailable: apt-get install -y python3-torch python3-torchvision python3-onnx")
	}
	fmt.Printf("invrep-bench: %s, GOMAXPROCS=%d, %s BLAS, %s, median of %d alternating runs per tool\n", runtime.Version(), threads, graph.BLAS(), cpuName(), rounds)
	if groups["kernels"] {
		if err := runKernels(threads); err != nil {
			return err
		}
	}
	if !slices.ContainsFunc(cases, func(c benchCase) bool { return groups[c.Group] }) {
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tinvrep ms/iter\tPyTorch ms/iter\tratio\tworst round\tinvrep peak MiB\tPyTorch peak MiB\tinvrep RSS growth MiB (after GC)\tnote")
	for i, c := range cases {
		if !groups[c.Group] {
			continue
		}
		n := iters
		if c.Iters > 0 {
			n = c.Iters
		}
		var ours, theirs, base []measurement
		var oursPeak, theirsPeak []float64
		child := func(k int) (measurement, float64, error) {
			cmd := exec.Command(self, "--child", strconv.Itoa(k), "--iters", strconv.Itoa(n), "--models-dir", models, "--exports", exports, "--image", image, "--hog-image", hogImage)
			cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", threads))
			return measure(cmd, func(out string) (measurement, error) {
				var m measurement
				return m, json.Unmarshal([]byte(lastLine(out)), &m)
			})
		}
		for r := 0; r < rounds; r++ {
			m, peak, err := child(i)
			if err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			ours, oursPeak = append(ours, m), append(oursPeak, peak)
			if c.Versus != "" {
				k := slices.IndexFunc(cases, func(b benchCase) bool { return b.Name == c.Versus })
				bm, _, err := child(k)
				if err != nil {
					return fmt.Errorf("%s (baseline %s): %w", c.Name, c.Versus, err)
				}
				base = append(base, bm)
			}
			if c.Repeats > 1 {
				// One start against four: PyTorch's side is not run.
			} else if c.PeerScript != nil && havePeer {
				args := append([]string{filepath.Join("testdata", c.PeerScript[0])}, c.PeerScript[1:]...)
				pc := exec.Command(python, append(args, "--iters", strconv.Itoa(n), "--threads", strconv.Itoa(threads))...)
				pc.Env = append(os.Environ(), fmt.Sprintf("OPENBLAS_NUM_THREADS=%d", threads), fmt.Sprintf("OMP_NUM_THREADS=%d", threads))
				pm, pp, err := measure(pc, parsePeer)
				if err != nil {
					return fmt.Errorf("%s (PyTorch): %w", c.Name, err)
				}
				theirs, theirsPeak = append(theirs, pm), append(theirsPeak, pp)
			} else if c.Arch != "" && havePeer {
				step := filepath.Join("testdata", "torch_step.py")
				pc := exec.Command(python, step, "--arch", c.Arch, "--module", c.Module, "--iters", strconv.Itoa(n), "--threads", strconv.Itoa(threads))
				pc.Env = append(os.Environ(), fmt.Sprintf("OPENBLAS_NUM_THREADS=%d", threads), fmt.Sprintf("OMP_NUM_THREADS=%d", threads))
				pm, pp, err := measure(pc, parsePeer)
				if err != nil {
					return fmt.Errorf("%s (PyTorch): %w", c.Name, err)
				}
				theirs, theirsPeak = append(theirs, pm), append(theirsPeak, pp)
			} else if c.Peer != nil && havePeer {
				args := append([]string{peer}, c.Peer...)
				if c.Model == "squeezenet1.1" {
					args = append(args, "--weights", zoo.Dir(models)+"/squeezenet1.1.onnx")
				}
				args = append(args, "--image", image, "--iters", strconv.Itoa(n), "--threads", strconv.Itoa(threads))
				pm, pp, err := measure(exec.Command(python, args...), parsePeer)
				if err != nil {
					return fmt.Errorf("%s (PyTorch): %w", c.Name, err)
				}
				theirs, theirsPeak = append(theirs, pm), append(theirsPeak, pp)
			}
		}
		om := medianOf(ours, func(m measurement) float64 { return m.MsPerIter })
		peerMs, peerPeak, ratio, worst := "-", "-", "-", "-"
		if len(theirs) > 0 {
			pm := medianOf(theirs, func(m measurement) float64 { return m.MsPerIter })
			peerMs, peerPeak = fmt.Sprintf("%.1f", pm), fmt.Sprintf("%.0f", slices.Max(theirsPeak))
			ratio = fmt.Sprintf("%.2f×", om/pm)
			// Each round's own ratio (the tools ran one after the other):
			// the worst of them.
			w := 0.0
			for r := range min(len(ours), len(theirs)) {
				w = max(w, ours[r].MsPerIter/theirs[r].MsPerIter)
			}
			worst = fmt.Sprintf("%.2f×", w)
		}
		growth := medianOf(ours, func(m measurement) float64 { return float64(m.RSSEnd-m.RSSQuarter) / 1024 })
		seconds := medianOf(ours, func(m measurement) float64 { return m.Seconds })
		note := c.Note
		if len(base) > 0 {
			bm := medianOf(base, func(m measurement) float64 { return m.MsPerIter })
			note = fmt.Sprintf("%.2f× the CVPR iteration at this node (%.1f ms, same rounds)", om/bm, bm)
			if c.Repeats > 1 {
				note = fmt.Sprintf("%.2f× one start (%.1f ms, same rounds): %.0f images/s against %.0f", om/bm, bm,
					1000*float64(c.Repeats)/om, 1000/bm)
			}
			if c.Rep != "" {
				note = fmt.Sprintf("%.2f× HOG's time (%.2f s, same rounds)", om/bm,
					medianOf(base, func(m measurement) float64 { return m.Seconds }))
			}
		}
		if c.Rep != "" {
			note = fmt.Sprintf("%.2f s for %d iterations; %s", seconds, n, note)
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%s\t%s\t%s\t%.0f\t%s\t%.1f\t%s\n", c.Name, om, peerMs, ratio, worst, slices.Max(oursPeak), peerPeak,
			growth, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if groups["dense"] && ort != "" {
		return runForwards(self, groups, iters, threads, rounds, ort, models, exports, image, hogImage)
	}
	return nil
}

// medianOf is the median of f over ms.
func medianOf(ms []measurement, f func(measurement) float64) float64 {
	v := make([]float64, len(ms))
	for i, m := range ms {
		v[i] = f(m)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// measure runs cmd, parses its output, and returns its peak resident
// memory in MiB (from the child's rusage).
func measure(cmd *exec.Cmd, parse func(string) (measurement, error)) (measurement, float64, error) {
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return measurement{}, 0, fmt.Errorf("%v: %s", err, lastLine(out.String()))
	}
	m, err := parse(out.String())
	if err != nil {
		return m, 0, fmt.Errorf("cannot read %q: %v", lastLine(out.String()), err)
	}
	peak := 0.0
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		peak = float64(ru.Maxrss) / 1024
	}
	return m, peak, nil
}

var resultRE = regexp.MustCompile(`ms_per_iter=([0-9.]+)(?:.*rel_err=([0-9.naninf]+))?`)

func parsePeer(out string) (measurement, error) {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "RESULT") {
			m := resultRE.FindStringSubmatch(l)
			if m == nil {
				break
			}
			ms, _ := strconv.ParseFloat(m[1], 64)
			e, _ := strconv.ParseFloat(m[2], 64)
			return measurement{MsPerIter: ms, RelErr: e}, nil
		}
	}
	return measurement{}, errors.New("no RESULT line")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func cpuName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// liveRSSKB is the resident memory after a collection that returns what it
// frees to the system: growth between two readings is memory the run
// holds on to, not garbage the collector has yet to reach. (Called from the
// progress callback, after the iteration's time is taken.)
func liveRSSKB() int64 {
	debug.FreeOSMemory()
	return rssKB()
}

// rssKB reads the process's resident memory.
func rssKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	return 0
}

func runChild(id string, iters int, models, exports, image, hogImage string) error {
	i, err := strconv.Atoi(id)
	if err != nil || i < 0 || i >= len(cases) {
		return fmt.Errorf("no case %q", id)
	}
	c := cases[i]
	var job zoo.Job
	if c.Rep != "" {
		im, err := pixels.Load(hogImage)
		if err != nil {
			return err
		}
		r, err := handcrafted.NewRep(c.Rep, 0)
		if err != nil {
			return err
		}
		job = zoo.Job{Rep: r, Photo: im.Resized(500, 333), Input: zoo.Input{Gray: true}, Options: invert.Options{TV: 0.5}}
		if job.Options.Schedule, err = invert.ShallowSchedule.Scaled(iters); err != nil {
			return err
		}
	} else {
		m, layer, norm, err := c.network(models, exports, image)
		if err != nil {
			return err
		}
		im, err := pixels.Load(image)
		if err != nil {
			return err
		}
		job = zoo.Job{Rep: onnxload.Truncated{Model: m, Layer: layer, Normalization: &norm}, Photo: im,
			Input: zoo.Input{W: c.Size, H: c.Size, Norm: norm}, Options: invert.Options{TV: 5, Repeats: c.Repeats}}
		if job.Options.Schedule, err = invert.CNNSchedule.Scaled(iters); err != nil {
			return err
		}
		if c.Task != "" {
			rf, err := m.ReceptiveField(layer)
			if err != nil {
				return err
			}
			j := invert.JitterFromStride(rf.Stride)
			switch c.Task {
			case "ijcv":
				job.Method = invert.IJCV{C: 100, Beta: 2, Jitter: j, Iters: invert.IJCVStages(iters)}
			case "caricature":
				job.Method = invert.Caricature{Beta: 2, Jitter: j, Iters: iters}
			case "maximize":
				return runMaximize(job, rf, iters)
			case "visualize", "visualize-fft":
				return runVisualize(job, c.Task == "visualize-fft", iters)
			}
		}
	}
	return timed(&job.Options, func() (*zoo.Outcome, error) { return job.Run(context.Background()) })
}

// runVisualize times a feature visualisation of channel 12 at the case's
// node, Lucid's standard transforms, Adam at 0.05.
func runVisualize(job zoo.Job, fft bool, iters int) error {
	rep := job.Rep.(onnxload.Truncated)
	vj := zoo.VisualizeJob{Rep: rep, Objective: invert.Scale(1, invert.Channel{Layer: rep.Layer, C: 12}), Input: job.Input,
		Decorrelate: fft, FFT: fft, Augment: invert.Standard(job.Input.H, job.Input.W), Batch: 1, Steps: iters, LR: 0.05}
	return timed(&vj.Options, func() (*zoo.Outcome, error) { return vj.Run(context.Background()) })
}

// runMaximize times the IJCV maximisation of one class (coffee mug, 504)
// at the case's node and input size.
func runMaximize(job zoo.Job, rf onnxload.RF, iters int) error {
	mj := zoo.MaximizeJob{Rep: job.Rep, RF: rf, Input: job.Input, Channels: []int{504}, Beta: 2, Iters: iters}
	return timed(&mj.Options, func() (*zoo.Outcome, error) { return mj.Run(context.Background()) })
}

// timed runs a job whose options opts are, reading the resident memory a
// quarter of the way in and at the end, and prints the measurement.
func timed(opts *invert.Options, run func() (*zoo.Outcome, error)) error {
	var result measurement
	opts.Progress = func(p invert.Progress) {
		switch p.Iter {
		case p.Iters / 4:
			result.RSSQuarter = liveRSSKB()
		case p.Iters:
			result.RSSEnd = liveRSSKB() // the program still open
		}
	}
	t0 := time.Now()
	res, err := run()
	if err != nil {
		return err
	}
	result.Seconds = time.Since(t0).Seconds()
	result.MsPerIter = res.MsPerIter
	if len(res.RelErr) > 0 {
		result.RelErr = res.RelErr[0]
	}
	b, _ := json.Marshal(result)
	fmt.Println(string(b))
	return nil
}

// network opens a CNN case's model: a zoo entry, or an export of
// testdata/tv_export.py with its module resolved to a node.
func (c benchCase) network(models, exports, image string) (*onnxload.Model, string, graph.Normalization, error) {
	if c.Export == "" {
		z, err := zoo.Open(c.Model, models, c.Random)
		if err != nil {
			return nil, "", graph.Normalization{}, err
		}
		return z.Model, c.Layer, z.Entry.Normalization, nil
	}
	m, err := onnxload.Load(filepath.Join(exports, c.Export))
	if err != nil {
		return nil, "", graph.Normalization{}, fmt.Errorf("%w (write the exports with: /usr/bin/python3 testdata/tv_export.py %s --opset 14 --bundle %s --arch %s)", err, exports, image, c.Arch)
	}
	if c.Module == "" { // the whole network: its output
		if len(m.Outputs) == 0 {
			return nil, "", graph.Normalization{}, fmt.Errorf("%s declares no output", c.Export)
		}
		return m, m.Outputs[0], graph.ImageNet, nil
	}
	layer, err := m.Resolve(c.Module)
	return m, layer, graph.ImageNet, err
}
