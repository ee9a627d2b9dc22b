#!/usr/bin/env bash
# docs/models.md's detector rows: each torchvision detector export
# (testdata/detectors_export.py) listed by invrep layers (built and not
# built), a backbone and a feature-pyramid node against onnxruntime on
# chelsea.png (0..1 pixels: the model normalises itself), and an
# inversion at the pyramid node.
#   INVREP=invrep ORT=<dir with node_modules/onnxruntime-node> bash testdata/detectors.sh OUTDIR NAME:BACKBONE_NODE:FPN_NODE ...
set -euo pipefail
ORT=${ORT:?set ORT to the folder holding node_modules/onnxruntime-node}
here=$(cd "$(dirname "$0")" && pwd)
S=${SHARED:-$(cd "$here/../.." && pwd)/shared}
invrep=${INVREP:-invrep}
out=${1:?OUTDIR}; shift
for spec in "$@"; do
  IFS=: read -r name backbone fpn <<<"$spec"
  m="$out/$name.onnx"
  size=$(case $name in *320*) echo 320;; *) echo 512;; esac)
  /usr/bin/python3 - "$S/images/chelsea.png" "$size" "$out/photo-$size.npy" "$m" "$out/dump.onnx" "$backbone" "$fpn" <<'PY'
import sys, numpy as np, onnx
from PIL import Image
photo, size, dst, model, dump, *nodes = sys.argv[1:]
im = Image.open(photo).convert("RGB").resize((int(size), int(size)), Image.BILINEAR)
np.save(dst, (np.asarray(im, np.float32).transpose(2, 0, 1) / 255).astype(np.float32))
m = onnx.load(model)
del m.graph.output[:]
for o in nodes:
    m.graph.output.append(onnx.helper.make_tensor_value_info(o, onnx.TensorProto.FLOAT, None))
onnx.save(m, dump)
PY
  "$invrep" layers --model "$m" > "$out/$name.layers"
  built=$(grep -vc 'not built\|^note' "$out/$name.layers" || true)
  skipped=$(grep -c 'not built:' "$out/$name.layers" || true)
  rm -rf "$out/ort"
  NODE_PATH=$ORT/node_modules node "$S/peers/run_ort.js" "$out/dump.onnx" image ref "$out/ort" --opt=disabled "$out/photo-$size.npy" >/dev/null
  errs=""
  for node in "$backbone" "$fpn"; do
    "$invrep" features --model "$m" --layer "$node" --input "$out/photo-$size.npy" --out "$out/go.npy" >/dev/null
    f="$out/ort/photo-${size}__ref__$(echo "$node" | sed 's/[^A-Za-z0-9_.-]/_/g').npy"
    errs="$errs $(/usr/bin/python3 -c 'import numpy as np,sys; o=np.load(sys.argv[1]); g=np.load(sys.argv[2]); print("%.1e" % (np.abs(o-g).max()/np.abs(o).max()))' "$f" "$out/go.npy") |"
  done
  inv=$("$invrep" invert --model "$m" --layer "$fpn" --image "$S/images/chelsea.png" --mean 0,0,0 --std 1,1,1 --out "$out/$name-inv.png" --iters 60 --quiet 2>&1 || true)
  echo "| $name | $built built, $skipped not built |$errs ${inv#wrote * } |"
done
