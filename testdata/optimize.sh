#!/usr/bin/env bash
# Runtime-optimised fixtures, as users download them: the families'
# exports optimised by onnxruntime-node at level 'extended', which writes
# its contrib ops (FusedConv, FusedMatMul, Gelu, SkipLayerNormalization)
# into testdata/optimized/<family>/model.onnx beside the family's input.
#   ORT=/path/with/node_modules/onnxruntime-node bash testdata/optimize.sh
# then testdata/ort_nodes.sh testdata/optimized/*/ records the references.
set -euo pipefail
ORT=${ORT:?set ORT to the folder holding node_modules/onnxruntime-node}
here=$(cd "$(dirname "$0")" && pwd)
for fam in convnext-opset17 mobilenetv3-opset14 swin-opset17 vit-opset17 shufflenetv2-opset13; do
  d="$here/optimized/$fam"
  mkdir -p "$d"
  NODE_PATH=$ORT/node_modules node -e '
const ort = require("onnxruntime-node");
ort.InferenceSession.create(process.argv[1], { graphOptimizationLevel: "extended", optimizedModelFilePath: process.argv[2], executionProviders: ["cpu"] })
  .catch(e => { console.error(e.message); process.exit(1); });' "$here/families/$fam/model.onnx" "$d/model.onnx"
  cp "$here/families/$fam/input.npy" "$d/input.npy"
  echo "$d"
done
