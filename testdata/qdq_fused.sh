#!/usr/bin/env bash
# testdata/quant/qdq-fused-opset13: a tiny CNN of every op onnxruntime
# fuses with the quantisers around it (Conv with its Relu, Add, Sigmoid,
# Mul, LeakyRelu, AveragePool, Concat, GlobalAveragePool, Gemm, Softmax,
# MatMul; MaxPool and Flatten between), exported by PyTorch, calibrated
# with onnxruntime and written in the QDQ form by testdata/fullsize_quant.py
# as onnxruntime's quantiser writes it; its references are onnxruntime's
# with the graph optimiser on (ort_level), which runs those groups as
# QOperator ops. Needs python3-torch, python3-onnx, onnxruntime-node.
#   ORT=<dir with node_modules/onnxruntime-node> bash testdata/qdq_fused.sh
set -euo pipefail
ORT=${ORT:?set ORT to the folder holding node_modules/onnxruntime-node}
here=$(cd "$(dirname "$0")" && pwd)
d=$here/quant/qdq-fused-opset13
T=$(mktemp -d)
mkdir -p "$d"
/usr/bin/python3 - "$T" <<'PY'
import sys, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
t = sys.argv[1]
torch.manual_seed(5)

class Tiny(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1, s.c2 = nn.Conv2d(3, 16, 3, padding=1), nn.Conv2d(16, 16, 1)
        s.c3 = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        s.fc = nn.Linear(32, 10)
        s.w = nn.Parameter(torch.randn(10, 6))

    def forward(s, x):
        a = F.max_pool2d(F.relu(s.c1(x)), 2)
        b = F.relu(s.c2(a) + a)
        c = s.c3(b)
        d = F.leaky_relu(c * torch.sigmoid(c), 0.1)
        f = torch.cat([F.avg_pool2d(d, 2), F.avg_pool2d(b, 2)], 1)
        g = F.adaptive_avg_pool2d(f, 1).flatten(1)
        return torch.softmax(s.fc(g), -1) @ s.w

m = Tiny().eval()
torch.onnx.export(m, torch.randn(1, 3, 32, 32), f"{t}/float.onnx", opset_version=13,
                  input_names=["input"], output_names=["output"])
g = np.random.default_rng(11)
for i in range(3):
    np.save(f"{t}/x{i}.npy", g.normal(size=(1, 3, 32, 32)).astype(np.float32))
PY
/usr/bin/python3 -c '
import onnx, sys
m = onnx.load(sys.argv[1])
have = {o.name for o in m.graph.output}
for n in m.graph.node:
    for o in n.output:
        if o and o not in have:
            m.graph.output.append(onnx.ValueInfoProto(name=o))
onnx.save(m, sys.argv[2])' "$T/float.onnx" "$T/dump.onnx"
NODE_PATH=$ORT/node_modules node "$here/ort_ranges.js" "$T/dump.onnx" "$T/ranges.json" "$T/x0.npy" "$T/x1.npy" "$T/x2.npy"
/usr/bin/python3 "$here/fullsize_quant.py" "$T" "$T/float.onnx" "$T/ranges.json" >/dev/null
cp "$T/float-qdq.onnx" "$d/model.onnx"
cp "$T/x0.npy" "$d/input.npy"
echo all > "$d/ort_level"
rm -rf "$T"
ORT=$ORT bash "$here/ort_nodes.sh" "$d/"
