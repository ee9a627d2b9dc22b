package main

import (
	"fmt"
	"os"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/onnxload"
)

func main() {
	for _, path := range os.Args[1:] {
		t0 := time.Now()
		m, err := onnxload.Load(path)
		if err != nil {
			fmt.Println(err)
			continue
		}
		net, err := m.Build(onnxload.Options{})
		if err != nil {
			fmt.Println(err)
			continue
		}
		t1 := time.Since(t0)
		var outs []*graph.Node
		for _, n := range m.Outputs {
			outs = append(outs, net.Outputs[n])
		}
		p, err := net.Graph.Compile(nil, outs...)
		if err != nil {
			fmt.Println(err)
			continue
		}
		x := graph.NewTensor(net.Input.Shape()...)
		t2 := time.Now()
		if err := p.Run(x); err != nil {
			fmt.Println(err)
			continue
		}
		o, _ := p.Output(0)
		fmt.Println(path, "load+build", t1, "run", time.Since(t2), o.Shape, len(net.Layers))
	}
}
