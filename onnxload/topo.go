package onnxload

import (
	"container/heap"
	"fmt"
	"strings"
)

// sortNodes puts the nodes in an order where each comes after the nodes
// it reads from, as ONNX requires but not every writer of files keeps:
// a valid graph listed out of order loads. Among the nodes ready at once
// the file's order is kept, so a sorted graph stays as it was. Two nodes
// producing one value, and cycles, are refused by name.
func (m *Model) sortNodes() error {
	producer := map[string]int{}
	for i, n := range m.Nodes {
		for _, o := range n.Outputs {
			if o == "" {
				continue
			}
			if j, dup := producer[o]; dup {
				return fmt.Errorf("%v and %v both produce %q", &m.Nodes[j], &m.Nodes[i], o)
			}
			producer[o] = i
		}
	}
	indeg := make([]int, len(m.Nodes))
	users := make([][]int, len(m.Nodes))
	for i, n := range m.Nodes {
		seen := map[int]bool{}
		for _, in := range n.Inputs {
			if j, ok := producer[in]; ok && !seen[j] {
				seen[j] = true
				indeg[i]++
				users[j] = append(users[j], i)
			}
		}
	}
	ready := &intHeap{}
	for i, d := range indeg {
		if d == 0 {
			heap.Push(ready, i)
		}
	}
	order := make([]int, 0, len(m.Nodes))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, i)
		for _, u := range users[i] {
			if indeg[u]--; indeg[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	if len(order) < len(m.Nodes) {
		var names []string
		for i, d := range indeg {
			if d > 0 && len(names) < 6 {
				names = append(names, m.Nodes[i].String())
			}
		}
		return fmt.Errorf("the graph has a cycle through %s", strings.Join(names, ", "))
	}
	sorted := make([]Node, len(m.Nodes))
	for k, i := range order {
		sorted[k] = m.Nodes[i]
	}
	m.Nodes = sorted
	return nil
}

// intHeap is a min-heap of node indices.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
