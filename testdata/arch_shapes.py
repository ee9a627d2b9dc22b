# Regenerates arch_shapes.json: ONNX shape inference (python3-onnx) of every
# node output of the architecture-only models in ../shared/models/arch.
#   apt-get install -y python3-onnx && /usr/bin/python3 testdata/arch_shapes.py
import glob, json, os, onnx
out = {}
for p in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "models", "arch", "*.onnx"))):
    m = onnx.shape_inference.infer_shapes(onnx.load(p))
    shapes = {}
    for vi in list(m.graph.value_info) + list(m.graph.output):
        dims = [d.dim_value if d.HasField("dim_value") else -1 for d in vi.type.tensor_type.shape.dim]
        shapes[vi.name] = dims
    out[os.path.basename(p)] = {"opset": m.opset_import[0].version, "shapes": shapes}
with open(os.path.join(os.path.dirname(__file__), "arch_shapes.json"), "w") as f:
    json.dump(out, f, indent=0, sort_keys=True)
