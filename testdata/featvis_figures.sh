#!/bin/bash
# Makes the feature-visualisation gallery of the README
# (invert/example/featvis_*.png). From the repository root, with ../shared.
set -euo pipefail
invrep=${INVREP:-./invrep}
[ -x "$invrep" ] || go build -o "$invrep" ./cmd/invrep
O=invert/example
# SKIP_EXISTING=1 keeps figures already made.
v() {
  local out=${*: -1}
  if [ -n "${SKIP_EXISTING:-}" ] && [ -e "$out" ]; then return; fi
  "$invrep" visualize --quiet --param fft --decorrelate "$@"
}
# SqueezeNet 1.1 at three depths, MobileNetV2, and the ViT fixture's MLP expansion.
v --model squeezenet1.1 --objective 'fire2:30' --out $O/featvis_squeezenet_fire2_30.png
v --model squeezenet1.1 --objective 'fire5:40' --out $O/featvis_squeezenet_fire5_40.png
v --model squeezenet1.1 --objective 'fire7:12' --out $O/featvis_squeezenet_fire7_12.png
v --model mobilenetv2-1.0 --objective 'add_48:5' --out $O/featvis_mobilenetv2_add_48_5.png
v --model testdata/families/vit-opset17/model.onnx --mean 0.485,0.456,0.406 --objective 'encoder.layers.encoder_layer_1.mlp.0:7' \
  --out $O/featvis_vit_fixture_mlp0_7.png
# Pixels against the 1/f spectrum with decorrelated colours, same channel.
[ -n "${SKIP_EXISTING:-}" ] && [ -e $O/featvis_squeezenet_fire7_12_pixel.png ] ||
  "$invrep" visualize --quiet --model squeezenet1.1 --objective 'fire7:12' --out $O/featvis_squeezenet_fire7_12_pixel.png
# A batch of four made to differ (diversity), a neuron and a direction (the cat's fire7 features).
v --model squeezenet1.1 --objective 'fire7:12 + 100*fire7:diversity' --batch 4 --out $O/featvis_squeezenet_fire7_12_diverse.png
v --model squeezenet1.1 --objective 'fire5:40@c' --out $O/featvis_squeezenet_fire5_40_neuron.png
"$invrep" features --model squeezenet1.1 --layer fire7 --image ../shared/images/chelsea.png --out /tmp/cat_fire7.npy
v --model squeezenet1.1 --objective 'fire7:cos=/tmp/cat_fire7.npy' --out $O/featvis_squeezenet_fire7_cat_direction.png
