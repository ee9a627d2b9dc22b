package main

import (
	"fmt"
	"os"
	"time"

	"github.com/invrep/invrep/graph"
	"github.com/invrep/invrep/onnxload"
)

func main() {
	m, err := onnxload.Load(os.Args[1])
	if err != nil {
		panic(err)
	}
	x, err := graph.LoadNpy(os.Args[2])
	if err != nil {
		panic(err)
	}
	names := os.Args[3:]
	t0 := time.Now()
	net, err := m.Build(onnxload.Options{Outputs: names, InputShape: x.Shape})
	if err != nil {
		panic(err)
	}
	var outs []*graph.Node
	for _, n := range names {
		outs = append(outs, net.Outputs[n])
	}
	p, err := net.Graph.Compile(nil, outs...)
	if err != nil {
		panic(err)
	}
	if err := p.Run(x); err != nil {
		panic(err)
	}
	fmt.Println("time", time.Since(t0))
	for i, n := range names {
		o, _ := p.Output(i)
		fmt.Println(n, o.Shape, o.Data[:3], o.MaxAbs())
	}
}
