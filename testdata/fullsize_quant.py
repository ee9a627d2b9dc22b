#!/usr/bin/env python3
"""Full-size quantised models for docs/models.md: torchvision networks
(random, BatchNorm-calibrated weights, testdata/tv_export.py) written in
the QDQ and dynamic forms onnxruntime's quantiser writes — the quantiser
itself (onnxruntime's Python package) is not at hand here, so the graphs
are rewritten as it rewrites them:

- QDQ: every Conv, Gemm and MatMul weight int8, symmetric, one scale per
  output channel (DequantizeLinear, axis 0, or 1 for MatMul's [K,N]); every
  activation such an op reads uint8, asymmetric, its range calibrated on
  the model's own inputs (QuantizeLinear then DequantizeLinear).
- dynamic: every MatMul and Gemm as DynamicQuantizeLinear →
  MatMulInteger (int8 weights, one scale) → Cast → ·scales (+ bias);
  every Conv as ConvInteger (uint8 weights, one zero point: onnxruntime's
  ConvInteger takes no per-channel zero point).

Calibration ranges come from onnxruntime (testdata/ort_ranges.js: every
activation's min and max over a few inputs), as the quantiser's MinMax
calibration takes them; testdata/fullsize.sh runs it all.

  /usr/bin/python3 testdata/fullsize_quant.py OUT MODEL.onnx RANGES.json
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T


def weight_int8(w, axis):
    """Symmetric int8, one scale per index of axis."""
    red = tuple(i for i in range(w.ndim) if i != axis)
    s = np.abs(w).max(axis=red) / 127.0
    s = np.where(s == 0, 1e-8, s).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / s.reshape(shape)), -127, 127).astype(np.int8)
    return q, s


def act_uint8(lo, hi):
    lo, hi = min(0.0, lo), max(0.0, hi)
    s = (hi - lo) / 255.0 or 1e-8
    z = int(np.clip(np.round(-lo / s), 0, 255))
    return np.float32(s), np.uint8(z)


def replace(m, nodes, inits):
    """m with these nodes, and the initializers they read plus the new."""
    g = m.graph
    used = {i for n in nodes for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(keep + inits)
    return m


def qdq(m, ranges):
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes, new_inits, done = [], [], {}
    for n in g.node:
        if n.op_type in ("Conv", "Gemm", "MatMul") and len(n.input) > 1 and n.input[1] in inits:
            x = n.input[0]
            if x not in done and x in ranges:
                s, z = act_uint8(*ranges[x])
                base = x.replace("/", "_").strip("_")
                new_inits += [nh.from_array(s, base + "_s"), nh.from_array(z, base + "_z")]
                new_nodes += [h.make_node("QuantizeLinear", [x, base + "_s", base + "_z"], [base + "_q"], name=base + "_quant"),
                              h.make_node("DequantizeLinear", [base + "_q", base + "_s", base + "_z"], [base + "_dq"], name=base + "_dequant")]
                done[x] = base + "_dq"
            w = nh.to_array(inits[n.input[1]])
            axis = 0
            if n.op_type == "MatMul" or (n.op_type == "Gemm" and not any(a.name == "transB" and a.i for a in n.attribute)):
                axis = w.ndim - 1
            q, s = weight_int8(w, axis)
            wn = n.input[1].replace("/", "_").strip("_")
            new_inits += [nh.from_array(q, wn + "_q"), nh.from_array(s, wn + "_s"), nh.from_array(np.zeros(len(s), np.int8), wn + "_z")]
            new_nodes.append(h.make_node("DequantizeLinear", [wn + "_q", wn + "_s", wn + "_z"], [wn + "_dq"], name=wn + "_dequant", axis=axis))
            n.input[1] = wn + "_dq"
            if x in done:
                n.input[0] = done[x]
        new_nodes.append(n)
    return replace(m, new_nodes, new_inits)


def dynamic(m):
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes, new_inits = [], []
    for n in g.node:
        if n.op_type not in ("Conv", "Gemm", "MatMul") or len(n.input) < 2 or n.input[1] not in inits:
            new_nodes.append(n)
            continue
        b = n.name.replace("/", "_").strip("_") or n.output[0]
        x, w = n.input[0], nh.to_array(inits[n.input[1]])
        new_nodes.append(h.make_node("DynamicQuantizeLinear", [x], [b + "_xq", b + "_xs", b + "_xz"], name=b + "_dql"))
        if n.op_type == "Conv":
            lo, hi = min(0.0, float(w.min())), max(0.0, float(w.max()))
            s = np.float32((hi - lo) / 255.0)
            z = np.uint8(np.clip(np.round(-lo / s), 0, 255))
            q = np.clip(np.round(w / s) + z, 0, 255).astype(np.uint8)
            new_inits += [nh.from_array(q, b + "_wq"), nh.from_array(z, b + "_wz"), nh.from_array(s, b + "_ws")]
            attrs = {a.name: h.get_attribute_value(a) for a in n.attribute}
            new_nodes.append(h.make_node("ConvInteger", [b + "_xq", b + "_wq", b + "_xz", b + "_wz"], [b + "_acc"], name=b + "_convint", **attrs))
        else:
            transB = any(a.name == "transB" and a.i for a in n.attribute)
            wk = w.T if transB else w  # [K, N]
            s = np.float32(np.abs(wk).max() / 127.0)
            q = np.clip(np.round(wk / s), -127, 127).astype(np.int8)
            new_inits += [nh.from_array(q, b + "_wq"), nh.from_array(np.int8(0), b + "_wz"), nh.from_array(s, b + "_ws")]
            new_nodes.append(h.make_node("MatMulInteger", [b + "_xq", b + "_wq", b + "_xz", b + "_wz"], [b + "_acc"], name=b + "_mmint"))
        new_nodes += [h.make_node("Cast", [b + "_acc"], [b + "_accf"], name=b + "_cast", to=T.FLOAT),
                      h.make_node("Mul", [b + "_xs", b + "_ws"], [b + "_scale"], name=b + "_scales")]
        bias = n.input[2] if len(n.input) > 2 and n.input[2] else None
        out = n.output[0]
        new_nodes.append(h.make_node("Mul", [b + "_accf", b + "_scale"], [out if bias is None else b + "_y"], name=b + "_rescale"))
        if bias is not None and bias in inits:
            bv = nh.to_array(inits[bias])
            if n.op_type == "Conv":
                bv = bv.reshape(1, -1, 1, 1)
            new_inits.append(nh.from_array(bv.astype(np.float32), b + "_bias"))
            new_nodes.append(h.make_node("Add", [b + "_y", b + "_bias"], [out], name=b + "_addbias"))
        elif bias is not None:  # a bias another node makes (an Identity of a shared weight)
            shape = [1, -1, 1, 1] if n.op_type == "Conv" else [-1]
            new_inits.append(nh.from_array(np.array(shape, np.int64), b + "_bshape"))
            new_nodes += [h.make_node("Reshape", [bias, b + "_bshape"], [b + "_bias"], name=b + "_biasshape"),
                          h.make_node("Add", [b + "_y", b + "_bias"], [out], name=b + "_addbias")]
    return replace(m, new_nodes, new_inits)


if __name__ == "__main__":
    out, model, calib = sys.argv[1], sys.argv[2], sys.argv[3]
    name = os.path.basename(model).replace(".onnx", "")
    ranges = {k: tuple(v) for k, v in json.load(open(calib)).items()}
    onnx.save(qdq(onnx.load(model), ranges), os.path.join(out, name + "-qdq.onnx"))
    onnx.save(dynamic(onnx.load(model)), os.path.join(out, name + "-dynamic.onnx"))
    print(name, "written")
