#!/usr/bin/env bash
# Reconstructions from ViT-B/16, Swin-T and ConvNeXt-T (torchvision 0.14,
# random calibrated weights: testdata/tv_export.py) at an early, a middle
# and the last stage, from one photo; one row per model, the original
# first. Writes invert/example/modern_chelsea.png.
#   bash testdata/modern_recon.sh EXPORTS [ITERS]
set -euo pipefail
EXP=${1:?folder of tv_export.py --bundle exports}
ITERS=${2:-200}
S=${SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
T=$(mktemp -d)
go build -o "$T/invrep" ./cmd/invrep
rows=()
while read -r model modules; do
  row=()
  i=0
  for mod in $modules; do
    extra=()
    [ $i -eq 0 ] && extra=(--with-original)
    "$T/invrep" invert --model "$EXP/$model-opset14/model.onnx" --layer "$mod" --image "$S/images/chelsea.png" \
      --iters "$ITERS" --quiet --out "$T/$model-$i.png" "${extra[@]}"
    row+=("$T/$model-$i.png")
    i=$((i + 1))
  done
  rows+=("${row[*]}")
done <<'LIST'
vit_b_16 encoder.layers.encoder_layer_1 encoder.layers.encoder_layer_5 encoder.layers.encoder_layer_11
swin_t features.1 features.5 features.7
convnext_tiny features.1 features.5 features.7
LIST
/usr/bin/python3 - invert/example/modern_chelsea.png "${rows[@]}" <<'PY'
import sys
from PIL import Image
out, rows = sys.argv[1], [r.split() for r in sys.argv[2:]]
imgs = [[Image.open(p) for p in r] for r in rows]
gap = 4
w = max(sum(i.width for i in r) + gap * (len(r) - 1) for r in imgs)
h = sum(r[0].height for r in imgs) + gap * (len(imgs) - 1)
canvas = Image.new("RGB", (w, h), "white")
y = 0
for r in imgs:
    x = 0
    for i in r:
        canvas.paste(i, (x, y))
        x += i.width + gap
    y += r[0].height + gap
canvas.save(out)
print(out, canvas.size)
PY
rm -rf "$T"
