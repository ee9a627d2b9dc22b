package npy

import (
	"bytes"
	"testing"

	"github.com/invrep/invrep/graph"
)

func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	Write(&b, &graph.Tensor{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}})
	f.Add(b.Bytes())
	b.Reset()
	Write(&b, &graph.Tensor{Shape: []int{}, Data: []float32{7}})
	f.Add(b.Bytes())
	f.Add([]byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := Read(bytes.NewReader(data))
		if err == nil && len(x.Data) != graph.Numel(x.Shape) {
			t.Fatalf("shape %v with %d values", x.Shape, len(x.Data))
		}
	})
}
