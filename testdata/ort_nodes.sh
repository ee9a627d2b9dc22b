#!/usr/bin/env bash
# onnxruntime references for a fixture folder (model.onnx, input.npy): every node output
# (integer ones too), packed as DIR/refs.npz, with DIR/types.txt giving
# each output's element type (integers are checked for equality).
# A folder holding a file ort_level (e.g. "all") is run with onnxruntime's
# graph optimiser at that level: only the quantisers' outputs and the
# model's own are recorded, since dumping the rest would stop the
# optimiser from fusing the QDQ groups it is there to check.
#   ORT=/path/with/node_modules/onnxruntime-node bash testdata/ort_nodes.sh testdata/quant/*/ testdata/optimized/*/
set -euo pipefail
ORT=${ORT:?set ORT to the folder holding node_modules/onnxruntime-node}
here=$(cd "$(dirname "$0")" && pwd)
for d in "$@"; do
  T=$(mktemp -d)
  level=disabled
  [ -f "$d/ort_level" ] && level=$(cat "$d/ort_level")
  /usr/bin/python3 - "$d" "$T" "$level" <<'PY'
import sys, onnx
d, t, level = sys.argv[1], sys.argv[2], sys.argv[3]
m = onnx.load(f"{d}/model.onnx")
have = {o.name for o in m.graph.output}
for n in m.graph.node:
    if level != "disabled" and n.op_type != "QuantizeLinear":
        continue
    for o in n.output:
        if o and o not in have:
            m.graph.output.append(onnx.ValueInfoProto(name=o))
onnx.save(m, f"{t}/dump.onnx")
PY
  ORT_LEVEL=$level NODE_PATH=$ORT/node_modules node "$here/ort_nodes.js" "$T/dump.onnx" "$d/input.npy" "$T/out"
  /usr/bin/python3 - "$d" "$T" <<'PY'
import sys, numpy as np
d, t = sys.argv[1], sys.argv[2]
names = [l.split()[0] for l in open(f"{t}/out/types.txt").read().split("\n") if l]
np.savez_compressed(f"{d}/refs.npz", **{n: np.load(f"{t}/out/{i}.npy") for i, n in enumerate(names)})
open(f"{d}/types.txt", "w").write(open(f"{t}/out/types.txt").read())
print(d, len(names), "references")
PY
  rm -rf "$T"
done
