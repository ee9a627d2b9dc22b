package onnxload_test

import (
	"fmt"
	"path/filepath"

	"github.com/invrep/invrep/onnxload"
)

// A PyTorch export names its nodes by module: the module path a user wrote
// in PyTorch resolves to the node output that module produces.
func ExampleModel_Resolve() {
	m, err := onnxload.Load(filepath.Join("..", "testdata", "families", "vit-opset17", "model.onnx"))
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := m.Resolve("encoder.layers.encoder_layer_1")
	fmt.Println(out, err)
	depth, _ := m.Depth(out)
	fmt.Printf("depth %.2f\n", depth)
	// Output:
	// /encoder/layers/encoder_layer_1/Add_1_output_0 <nil>
	// depth 0.97
}
