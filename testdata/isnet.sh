#!/usr/bin/env bash
# docs/models.md's pretrained downloaded models: IS-Net (background
# removal, 1024×1024) as the npm package @imgly/background-removal-data
# 1.4.5 ships it (AGPL-3.0; fetched, never committed): "small", the
# dynamically quantised file (ConvInteger), and "medium", float16. The
# files are reassembled from the package's chunks (dist/resources.json);
# each is compared with onnxruntime-node on a photo at a middle node and
# the final mask, the float16 one also against its float32 twin, and each
# inverted at a stage-1 node, the quantised one beside its float twin
# (--dequantize). Prints one line per check.
#   INVREP=invrep ORT=<dir with node_modules/onnxruntime-node> bash testdata/isnet.sh OUTDIR
set -euo pipefail
ORT=${ORT:?set ORT to the folder holding node_modules/onnxruntime-node}
here=$(cd "$(dirname "$0")" && pwd)
S=${SHARED:-$(cd "$here/../.." && pwd)/shared}
invrep=${INVREP:-invrep}
out=${1:?OUTDIR}
mkdir -p "$out"
cd "$out"
[ -f imgly-background-removal-data-1.4.5.tgz ] || npm pack --silent @imgly/background-removal-data@1.4.5 >/dev/null
tar xzf imgly-background-removal-data-1.4.5.tgz
/usr/bin/python3 - <<'PY'
import json, hashlib
import numpy as np, onnx
from onnx import numpy_helper as nh, TensorProto as T
from PIL import Image
r = json.load(open("package/dist/resources.json"))
for k in ("small", "medium"):
    v = r["/models/" + k]
    data = b"".join(open("package/dist/" + c["hash"], "rb").read() for c in v["chunks"])
    assert len(data) == v["size"], k
    open(k + ".onnx", "wb").write(data)
# The float16 file's float32 twin: the same rounded weights, widened.
m = onnx.load("medium.onnx")
for i, t in enumerate(m.graph.initializer):
    if t.data_type == T.FLOAT16:
        m.graph.initializer[i].CopyFrom(nh.from_array(nh.to_array(t).astype(np.float32), t.name))
for n in m.graph.node:
    for a in n.attribute:
        if a.name == "to" and a.i == T.FLOAT16:
            a.i = T.FLOAT
        if a.name == "value" and a.t.data_type == T.FLOAT16:
            a.t.CopyFrom(nh.from_array(nh.to_array(a.t).astype(np.float32), a.t.name))
del m.graph.value_info[:]
onnx.save(m, "medium-twin32.onnx")
PY
# The package's own preprocessing: RGB/255 − 0.5, at 1024×1024.
/usr/bin/python3 -c '
import sys, numpy as np
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB").resize((1024, 1024), Image.BILINEAR)
np.save("photo.npy", (np.asarray(im, np.float32).transpose(2, 0, 1) / 255 - 0.5)[None].astype(np.float32))' "$S/images/chelsea.png"
for f in small medium medium-twin32; do
  rm -rf "ort-$f"
  NODE_PATH=$ORT/node_modules node "$S/peers/run_ort.js" "$f.onnx" input ref "ort-$f" --opt=all photo.npy >/dev/null
done
for f in small medium; do
  for l in input.656 output; do
    "$invrep" features --model "$f.onnx" --layer "$l" --input photo.npy --out "go-$f-$l.npy" >/dev/null
    for ref in "$f" $([ $f = medium ] && echo medium-twin32); do
      /usr/bin/python3 -c '
import sys, numpy as np
r, g = np.load(sys.argv[1]), np.load(sys.argv[2])
print(f"{sys.argv[3]} {sys.argv[4]} vs onnxruntime on {sys.argv[5]}: max|diff|/max|ort| {np.abs(r-g).max()/np.abs(r).max():.1e}")' \
        "ort-$ref/photo__ref__$l.npy" "go-$f-$l.npy" "$f" "$l" "$ref"
    done
  done
done
L=/stage1/rebnconv4/relu_s1/Relu_output_0
for v in "small" "small --dequantize" "medium"; do
  set -- $v
  echo "$v: $("$invrep" invert --model "$1.onnx" ${2:-} --layer $L --image "$S/images/chelsea.png" --mean 0.5,0.5,0.5 --std 1,1,1 --out "isnet-$1${2:-}.png" --iters 60 --seed 1 --quiet 2>&1)"
done
# The figure of docs/models.md: the three reconstructions, 256² each.
/usr/bin/python3 -c '
from PIL import Image
ims = [Image.open(f).convert("RGB").resize((256, 256), Image.BILINEAR) for f in ("isnet-small.png", "isnet-small--dequantize.png", "isnet-medium.png")]
w = Image.new("RGB", (256 * 3 + 16, 256), "white")
for i, im in enumerate(ims):
    w.paste(im, (i * 264, 0))
w.save("isnet.png", optimize=True)'
