#!/usr/bin/env bash
# onnxruntime references for the bundles testdata/families.py (or
# testdata/tv_export.py --bundle) wrote: every float node output that
# depends on the input, packed as DIR/refs.npz.
#   ORT=/path/with/node_modules/onnxruntime-node bash testdata/families_ort.sh DIR...
set -euo pipefail
S=${SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}
ORT=${ORT:?set ORT to the folder holding node_modules/onnxruntime-node}
for d in "$@"; do
  T=$(mktemp -d)
  /usr/bin/python3 - "$d" "$T" <<'PY'
import sys, onnx
d, t = sys.argv[1], sys.argv[2]
m = onnx.load(f"{d}/model.onnx")
live = {m.graph.input[0].name}
for n in m.graph.node:
    if any(i in live for i in n.input):
        live.update(o for o in n.output if o)
want = [l for l in open(f"{d}/outputs.txt").read().split() if l in live]
have = {o.name for o in m.graph.output}
for name in want:
    if name not in have:
        m.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
onnx.save(m, f"{t}/dump.onnx")
open(f"{t}/names.txt", "w").write("\n".join(o.name for o in m.graph.output))
PY
  cp "$d/input.npy" "$T/x_input.npy"
  NODE_PATH=$ORT/node_modules node "$S/peers/run_ort.js" "$T/dump.onnx" input ort "$T/out" --opt=disabled "$T/x_input.npy" >/dev/null
  /usr/bin/python3 - "$d" "$T" <<'PY'
import sys, re, numpy as np
d, t = sys.argv[1], sys.argv[2]
refs = {}
for name in open(f"{t}/names.txt").read().split("\n"):
    refs[name] = np.load(f"{t}/out/x__ort__{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.npy")
np.savez_compressed(f"{d}/refs.npz", **refs)
print(d, len(refs), "references")
PY
  rm -rf "$T"
done
