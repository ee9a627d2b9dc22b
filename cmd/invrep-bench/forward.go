package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/onnxload"
)

// runForwards compares, for every dense case, one forward pass of invrep
// (loaded, built and compiled as `invrep features` does, timed over
// passes after the first) with onnxruntime-node's session.run on the
// same file and thread count (testdata/ort_forward.js), rounds
// alternating; it prints the medians, their ratio and both peaks, and the
// set-up of each (invrep: load, build, compile; onnxruntime: session
// creation).
func runForwards(self string, groups map[string]bool, iters, threads, rounds int, ort, models, exports, image, hogImage string) error {
	fmt.Printf("\nforward passes against onnxruntime-node (%d threads, %s):\n", threads, ort)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tinvrep ms\tonnxruntime ms\tratio\tinvrep set-up s\tonnxruntime set-up s\tinvrep peak MiB\tonnxruntime peak MiB")
	for i, c := range cases {
		if !groups[c.Group] || c.Group != "dense" {
			continue
		}
		n := max(3, min(iters, 5))
		var ours, theirs []measurement
		var oursPeak, theirsPeak []float64
		for r := 0; r < rounds; r++ {
			cmd := exec.Command(self, "--child-forward", strconv.Itoa(i), "--iters", strconv.Itoa(n), "--models-dir", models, "--exports", exports, "--image", image, "--hog-image", hogImage)
			cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", threads))
			m, peak, err := measure(cmd, func(out string) (measurement, error) {
				var m measurement
				return m, json.Unmarshal([]byte(lastLine(out)), &m)
			})
			if err != nil {
				return fmt.Errorf("%s (forward): %w", c.Name, err)
			}
			ours, oursPeak = append(ours, m), append(oursPeak, peak)
			pc := exec.Command("node", filepath.Join("testdata", "ort_forward.js"), filepath.Join(exports, c.Export), strconv.Itoa(c.Size), strconv.Itoa(n), strconv.Itoa(threads))
			pc.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(ort, "node_modules"))
			pm, pp, err := measure(pc, parseORT)
			if err != nil {
				return fmt.Errorf("%s (onnxruntime): %w", c.Name, err)
			}
			theirs, theirsPeak = append(theirs, pm), append(theirsPeak, pp)
		}
		om := medianOf(ours, func(m measurement) float64 { return m.MsPerIter })
		tm := medianOf(theirs, func(m measurement) float64 { return m.MsPerIter })
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f×\t%.2f\t%.2f\t%.0f\t%.0f\n", c.Name, om, tm, om/tm,
			medianOf(ours, func(m measurement) float64 { return m.Seconds }), medianOf(theirs, func(m measurement) float64 { return m.Seconds }),
			slices.Max(oursPeak), slices.Max(theirsPeak))
	}
	return tw.Flush()
}

// runForwardChild times n forward passes of a dense case's network to its
// output on a seeded random input, and prints the median and the set-up.
func runForwardChild(id string, n int, models, exports, image string) error {
	i, err := strconv.Atoi(id)
	if err != nil || i < 0 || i >= len(cases) {
		return fmt.Errorf("no case %q", id)
	}
	c := cases[i]
	t0 := time.Now()
	m, layer, _, err := c.network(models, exports, image)
	if err != nil {
		return err
	}
	shape := []int{1, 3, c.Size, c.Size}
	net, err := m.Build(onnxload.Options{InputShape: shape, Outputs: []string{layer}, Forward: true})
	if err != nil {
		return err
	}
	p, err := net.Graph.Compile(nil, net.Outputs[layer])
	if err != nil {
		return err
	}
	defer p.Close()
	setup := time.Since(t0).Seconds()
	x := graph.NewTensor(shape...)
	rng := rand.New(rand.NewSource(1))
	for k := range x.Data {
		x.Data[k] = rng.Float32()
	}
	var times []float64
	for k := 0; k <= n; k++ { // the first pass warms the buffers up, as onnxruntime's does
		t := time.Now()
		if err := p.Run(x); err != nil {
			return err
		}
		if k > 0 {
			times = append(times, float64(time.Since(t).Microseconds())/1000)
		}
	}
	slices.Sort(times)
	b, _ := json.Marshal(measurement{MsPerIter: times[len(times)/2], Seconds: setup})
	fmt.Println(string(b))
	return nil
}

// parseORT reads ort_forward.js's RESULT line: the median run and the
// session's creation.
func parseORT(out string) (measurement, error) {
	for _, l := range strings.Split(out, "\n") {
		if f, ok := strings.CutPrefix(l, "RESULT "); ok {
			var m measurement
			for _, kv := range strings.Fields(f) {
				k, v, _ := strings.Cut(kv, "=")
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return m, err
				}
				switch k {
				case "ms_per_iter":
					m.MsPerIter = x
				case "create_s":
					m.Seconds = x
				}
			}
			return m, nil
		}
	}
	return measurement{}, fmt.Errorf("no RESULT line")
}
