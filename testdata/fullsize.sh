#!/usr/bin/env bash
# docs/models.md's full-size table: torchvision ResNet-50, MobileNetV3-
# Large and EfficientNet-B0 (random, calibrated weights) exported, then
# written in the QDQ and dynamic forms (testdata/fullsize_quant.py,
# calibrated with onnxruntime), ResNet-50 in the QOperator form too
# (testdata/fullsize_qoperator.py), and optimised by onnxruntime-node
# ('extended'); each file's logits from invrep against onnxruntime's on a
# photo (top-1 and max|diff|/max|ort|, onnxruntime with its default graph
# optimisations; then how far onnxruntime itself moves with them off),
# and an inversion at a middle
# layer; a float16 file (inputs and outputs too, testdata/fullsize_half.py)
# against onnxruntime on its float32 twin. Needs python3-torch, python3-torchvision, python3-onnx and
# onnxruntime-node; prints one table row per file. MODELS names others
# (vit_b_16).
#   ORT=<dir with node_modules/onnxruntime-node> bash testdata/fullsize.sh OUTDIR
set -euo pipefail
ORT=${ORT:?set ORT to the folder holding node_modules/onnxruntime-node}
here=$(cd "$(dirname "$0")" && pwd)
S=${SHARED:-$(cd "$here/../.." && pwd)/shared}
out=${1:?OUTDIR}
mkdir -p "$out"
invrep=${INVREP:-invrep}
models=${MODELS:-resnet50 mobilenet_v3_large efficientnet_b0}
/usr/bin/python3 "$here/tv_export.py" "$out" --opset 14 --arch $models >/dev/null
/usr/bin/python3 - "$out" "$S/images/chelsea.png" <<'PY'
import sys, numpy as np, torch
out, photo = sys.argv[1], sys.argv[2]
from PIL import Image
im = Image.open(photo).convert("RGB").resize((224, 224), Image.BILINEAR)
x = (np.asarray(im, np.float32).transpose(2, 0, 1) / 255 - np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]) / np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
np.save(f"{out}/photo.npy", x[None].astype(np.float32))
g = np.random.default_rng(3)
for i in range(2):
    np.save(f"{out}/noise{i}.npy", g.normal(size=(1, 3, 224, 224)).astype(np.float32))
PY
layer() { case $1 in resnet50) echo layer2;; mobilenet_v3_large) echo features.7;; efficientnet_b0) echo features.4;; vit_b_16) echo encoder.layers.encoder_layer_6;; esac; }
for name in $models; do
  m="$out/$name-opset14.onnx"
  /usr/bin/python3 -c '
import onnx, sys
m = onnx.load(sys.argv[1])
have = {o.name for o in m.graph.output}
for n in m.graph.node:
    for o in n.output:
        if o and o not in have:
            m.graph.output.append(onnx.ValueInfoProto(name=o))
onnx.save(m, sys.argv[2])' "$m" "$out/dump.onnx"
  NODE_PATH=$ORT/node_modules node "$here/ort_ranges.js" "$out/dump.onnx" "$out/$name-ranges.json" "$out/photo.npy" "$out/noise0.npy" "$out/noise1.npy"
  /usr/bin/python3 "$here/fullsize_quant.py" "$out" "$m" "$out/$name-ranges.json" >/dev/null
  /usr/bin/python3 "$here/fullsize_half.py" "$m" >/dev/null
  forms="float qdq dynamic optimized float16"
  if [ "$name" = resnet50 ]; then  # the QOperator writer knows ResNet's ops
    /usr/bin/python3 "$here/fullsize_qoperator.py" "$out" "$m" "$out/$name-ranges.json" >/dev/null
    forms="$forms qoperator"
  fi
  optimise() {
    NODE_PATH=$ORT/node_modules node -e '
require("onnxruntime-node").InferenceSession.create(process.argv[1], { graphOptimizationLevel: "extended", optimizedModelFilePath: process.argv[2], executionProviders: ["cpu"] })
  .catch(e => { console.error(e.message); process.exit(1); });' "$1" "$2"
  }
  optimise "$m" "$out/$name-optimized.onnx"
  # The QDQ file as onnxruntime's optimiser rewrites it: the QOperator form
  # (QLinearConv, QLinearAdd, QLinearMatMul …) written by onnxruntime itself.
  optimise "$out/$name-opset14-qdq.onnx" "$out/$name-opset14-qdqopt.onnx"
  forms="$forms qdqopt"
  for form in $forms; do
    case $form in
      float) f="$m";;
      float16) f="$out/$name-opset14-fp16.onnx";;
      optimized) f="$out/$name-optimized.onnx";;
      *) f="$out/$name-opset14-$form.onnx";;
    esac
    # A float16 file is compared with onnxruntime on its float32 twin (the
    # same rounded weights): invrep computes half-precision files in float32.
    ref="$f"
    [ "$form" = float16 ] && ref="$out/$name-opset14-fp16twin.onnx"
    # onnxruntime as users run it (its graph optimiser on, the default),
    # and with the optimiser off, to show how far it moves on its own.
    rm -rf "$out/ort" "$out/ort-off"
    NODE_PATH=$ORT/node_modules node "$S/peers/run_ort.js" "$ref" input ref "$out/ort" --opt=all "$out/photo.npy" >/dev/null
    NODE_PATH=$ORT/node_modules node "$S/peers/run_ort.js" "$ref" input ref "$out/ort-off" --opt=disabled "$out/photo.npy" >/dev/null
    "$invrep" features --model "$f" --layer logits --input "$out/photo.npy" --out "$out/go.npy" >/dev/null
    cmp=$(/usr/bin/python3 -c '
import numpy as np, sys
o, off, g = (np.load(p).ravel() for p in sys.argv[1:4])
same = "equal" if o.argmax() == g.argmax() else "DIFFERENT"
print(f"top-1 {same} ({o.argmax()}) | {np.abs(o-g).max()/np.abs(o).max():.1e} | {np.abs(o-off).max()/np.abs(o).max():.1e}")' "$out/ort/photo__ref__logits.npy" "$out/ort-off/photo__ref__logits.npy" "$out/go.npy")
    inv=$("$invrep" invert --model "$f" --layer "$(layer $name)" --image "$S/images/chelsea.png" --out "$out/$name-$form.png" --iters 40 --quiet 2>&1 || true)
    echo "| $name | $form | $(du -m "$f" | cut -f1) MB | $cmp | $(layer $name): ${inv#wrote * }|"
  done
done
