package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/onnxload"
	"github.com/invrep/invrep/zoo"
)

func runLayers(args []string, out io.Writer) error {
	fs := newFlags("layers", "--model M.onnx [--input-shape 1,3,224,224] [--rf] [--all | --modules]", out)
	mf := addModelFlags(fs, false)
	mf.structure = true
	shapeFlag := fs.String("input-shape", "", "input shape N,C,H,W (default: as declared, batch 1)")
	size := fs.String("size", "", "an image model's input width and height, N or WxH: fixes symbolic sizes (and tries another size on a fixed one)")
	all := fs.Bool("all", false, "also list nodes computed from constants alone (weights, shape arithmetic)")
	rfFlag := fs.Bool("rf", false, "add each layer's receptive field (pixels of the input one output sees, and the stride between outputs; 'global' past global pools and fully connected layers, 'unknown' past ops that rearrange positions: Reshape, Gather, a Resize by computed sizes)")
	modules := fs.Bool("modules", false, "list the exporter's modules (PyTorch paths such as features.5, from the node names), each with its output and shape: names --layer accepts")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "model"); err != nil {
		return err
	}
	shape, err := parseShapeFlag("input-shape", *shapeFlag)
	if err != nil {
		return err
	}
	m, err := mf.open()
	if err != nil {
		return err
	}
	if *size != "" {
		if shape != nil {
			return usagef("give --size or --input-shape, not both")
		}
		w, h, err := parseSize(*size)
		if err != nil {
			return err
		}
		if err := mf.imageLayout(m); err != nil {
			return err
		}
		if shape, err = m.ImageShape(w, h); err != nil {
			return err
		}
	}
	limit, err := mf.memoryLimit()
	if err != nil {
		return err
	}
	// Tolerant: a detector's head (NonMaxSuppression, TopK, If) is listed
	// as not built, with why, and the backbone and neck as usual.
	net, err := m.Build(onnxload.Options{InputShape: shape, MaxMemory: limit, Tolerant: true, Forward: true})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if *modules {
		shapes := map[string][]int{}
		for _, l := range net.Layers {
			shapes[l.Name] = l.Shape
		}
		mods := m.Modules()
		for _, mod := range mods {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", mod.Path, mod.Output, graph.ShapeString(shapes[mod.Output]))
		}
		if len(mods) > 0 {
			return tw.Flush()
		}
		// What --layer takes here instead: the node outputs, and aliases.
		fmt.Fprintf(out, "note: %s carries no module paths in its node names (PyTorch 1.13+ and tf2onnx exports do); --layer takes these node outputs (and the zoo's aliases, after =)\n", mf.model)
	}
	var rf map[string]onnxload.RF
	if *rfFlag {
		if rf, err = m.ReceptiveFields(); err != nil {
			return err
		}
	}
	aliases := map[string][]string{}
	if e := mf.resolved.Entry; e != nil {
		for a, node := range e.Aliases {
			aliases[node] = append(aliases[node], a)
		}
	}
	quant := m.QuantNotes()
	nodeLayouts := m.NodeLayouts()
	row := func(name, op string, shape []int) {
		fmt.Fprintf(tw, "%s\t%s\t%s", name, op, shapeOrScalar(shape))
		if q, ok := quant[name]; ok {
			if m.Dequantized && strings.HasPrefix(q, "quantised") {
				q += ", taken out (--dequantize)"
			} else if m.Dequantized && q == "integer product" {
				q += " of unrounded values (--dequantize)"
			}
			fmt.Fprintf(tw, "\t[%s]", q)
		}
		if r, ok := rf[name]; ok && name != m.Inputs[0].Name {
			fmt.Fprintf(tw, "\trf %s", r)
		}
		if nodeLayouts[name] == onnxload.LayoutNHWC {
			fmt.Fprint(tw, "\t[channels last]")
		}
		if a := aliases[name]; len(a) > 0 {
			sort.Strings(a)
			fmt.Fprintf(tw, "\t= %s", strings.Join(a, ", "))
		}
		fmt.Fprintln(tw)
	}
	row(m.Inputs[0].Name, "Input", net.Input.Shape())
	for _, l := range net.Layers {
		if l.Constant && !*all {
			continue
		}
		row(l.Name, l.OpType, l.Shape)
	}
	for _, n := range m.Nodes {
		for _, o := range n.Outputs {
			if why, ok := net.Skipped[o]; ok {
				fmt.Fprintf(tw, "%s\t%s\t-\t[not built: %s]\n", o, n.OpType, why)
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(net.Skipped) > 0 {
		fmt.Fprintf(out, "note: %d node output(s) not built (marked above, with why); the nodes before them invert as usual\n", len(net.Skipped))
	}
	if p := m.Precision(); p != "" {
		fmt.Fprintf(out, "note: the file is half precision (%s); invrep computes it in float32, the input fed as float32\n", p)
	}
	switch l, err := m.DetectLayout(); {
	case err != nil:
		fmt.Fprintf(out, "note: %v\n", err)
	case l == onnxload.LayoutNHWC:
		fmt.Fprintln(out, "note: the input is channels last (nhwc): photos enter as [N,3,H,W] and are transposed to it")
	case l == onnxload.LayoutCHW:
		fmt.Fprintln(out, "note: the input is unbatched (chw): photos enter as [1,3,H,W] and lose the batch axis")
	}
	if s := net.Input.Shape(); len(s) == 4 && s[1] != 3 && s[3] != 3 {
		fmt.Fprintf(out, "note: the input takes %d channel(s), not RGB images: invert, caricature, maximize, visualize and sweep need an RGB model and refuse it; 'invrep features --input X.npy' runs it on an array you give\n", s[1])
	}
	if mf.randomSeed < 0 {
		if err := zoo.CheckWeights(m, mf.model); err != nil {
			fmt.Fprintf(out, "note: %v; the other commands refuse it unless given --random-weights SEED\n", err)
		}
	}
	return nil
}

// shapeOrScalar prints a shape, and a scalar as such.
func shapeOrScalar(s []int) string {
	if len(s) == 0 {
		return "scalar"
	}
	return graph.ShapeString(s)
}
