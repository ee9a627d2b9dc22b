#!/usr/bin/env bash
# Checks 'invrep features' against onnxruntime on models, layers and images
# that the Go tests do not use. Needs python3-onnx, python3-numpy and
# onnxruntime-node (ORT=dir where 'npm install onnxruntime-node@1.30.0' ran).
#   ORT=/tmp/ort bash testdata/ort_check.sh
set -euo pipefail
S=${SHARED:-../shared}
ORT=${ORT:?set ORT to the folder holding node_modules/onnxruntime-node}
T=$(mktemp -d)
go build -o "$T/invrep" ./cmd/invrep
check() { # model mean std image layers...
  local model=$1 mean=$2 std=$3 image=$4; shift 4
  local input
  input=$(/usr/bin/python3 -c "import onnx,sys; m=onnx.load(sys.argv[1]); print(m.graph.input[0].name)" "$S/models/$model.onnx")
  "$T/invrep" features --model "$S/models/$model.onnx" --layer "$input" --image "$S/images/$image" --mean "$mean" --std "$std" --out "$T/in.npy" >/dev/null
  /usr/bin/python3 "$S/peers/add_outputs.py" "$S/models/$model.onnx" "$T/m.onnx" "$@" >/dev/null
  NODE_PATH=$ORT/node_modules node "$S/peers/run_ort.js" "$T/m.onnx" "$input" ort "$T/ort" "$T/in.npy" >/dev/null
  for l in "$@"; do
    "$T/invrep" features --model "$S/models/$model.onnx" --layer "$l" --input "$T/in.npy" --out "$T/go.npy" >/dev/null
    "$T/invrep" features --model "$S/models/$model.onnx" --layer "$l" --image "$S/images/$image" --mean "$mean" --std "$std" --out "$T/goimg.npy" >/dev/null
    /usr/bin/python3 - "$T/go.npy" "$T/goimg.npy" "$T/ort/in__ort__$l.npy" "$model" "$l" "$image" <<'PY'
import sys, numpy as np
a, b, r = (np.load(p) for p in sys.argv[1:4])
assert a.shape == r.shape, (a.shape, r.shape)
rel = np.abs(a - r).max() / np.abs(r).max()
print(f"{sys.argv[4]:22s} {sys.argv[5]:14s} {sys.argv[6]:20s} shape={str(a.shape):18s} max|go-ort|/max|ort|={rel:.2e} --image==--input:{np.array_equal(a, b)}")
sys.exit(0 if rel <= 1e-4 and np.array_equal(a, b) else 1)
PY
  done
}
check squeezenet1.0-tflite 0.5,0.5,0.5 0.5,0.5,0.5 motorcycle_left.png maxpool1 fire3 fire8 fire9_e3x3_out logits
check squeezenet1.0-tflite 0.5,0.5,0.5 0.5,0.5,0.5 building.jpg fire5_e1x1_relu prob
check mobilenetv2-1.0 0.485,0.456,0.406 0.229,0.224,0.225 orange.jpg c2 add_42 add_88 features
check squeezenet1.1 0.485,0.456,0.406 0.229,0.224,0.225 rocket.png conv10_relu fire5 gap
rm -rf "$T"
