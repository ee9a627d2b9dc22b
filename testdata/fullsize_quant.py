#!/usr/bin/env python3
"""Full-size quantised models for docs/models.md: torchvision networks
(random, BatchNorm-calibrated weights, testdata/tv_export.py) written in
the QDQ and dynamic forms onnxruntime's quantiser writes — the quantiser
itself (onnxruntime's Python package) is not at hand here, so the graphs
are rewritten as it rewrites them:

- QDQ: every Conv, Gemm and MatMul weight int8, symmetric, one scale per
  output channel (DequantizeLinear, axis 0, or 1 for MatMul's [K,N]), its
  bias int32; every activation the quantiser's default ops read or write
  uint8, asymmetric, its range calibrated on the model's own inputs
  (QuantizeLinear then DequantizeLinear, read by every reader); a Relu or
  Clip after an op dropped (see qdq below).
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


# The ops onnxruntime's quantiser quantises by default, by how: "direct"
# ops pass integers through, so their output shares the input's scale and
# zero point; "removable" activations are dropped where the op before them
# alone feeds them (the quantiser's clamp at the output's range is the
# activation); every other op gets its float inputs and its output
# quantised with ranges of their own.
DIRECT = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "MaxPool", "Resize"}
REMOVABLE = {"Relu", "Clip"}
OWN = {"Conv", "Gemm", "MatMul", "Add", "Mul", "Sigmoid", "LeakyRelu", "GlobalAveragePool",
       "AveragePool", "Concat", "Softmax", "LayerNormalization"}


def qdq(m, ranges):
    """The QDQ form as onnxruntime's quantize_static writes it (QuantFormat.QDQ,
    per_channel, uint8 activations, int8 weights): every activation an op
    above reads or writes gets one QuantizeLinear → DequantizeLinear pair,
    which every reader of the value then reads; weights are stored int8 with
    one scale per output channel behind a DequantizeLinear, biases int32 at
    scale x_scale·w_scale; Relu and Clip after an op are dropped."""
    g = m.graph
    inits = {i.name: nh.to_array(i) for i in g.initializer}
    const = set(inits) | {o for n in g.node if n.op_type == "Constant" for o in n.output}
    readers = {}
    for n in g.node:
        for i in n.input:
            readers[i] = readers.get(i, 0) + 1
    outputs = {o.name for o in g.output}
    producer = {o: n for n in g.node for o in n.output}

    # Drop removable activations: the op before writes the activation's
    # output name, whose calibrated range starts at 0 (Relu) or ends at 6.
    nodes = []
    for n in g.node:
        if n.op_type in REMOVABLE and n.input[0] in producer and readers[n.input[0]] == 1 \
                and n.input[0] not in outputs and producer[n.input[0]].op_type in OWN:
            up = producer[n.input[0]]
            up.output[0] = n.output[0]
            producer[n.output[0]] = up
            continue
        nodes.append(n)

    params = {}  # activation → (scale name, zero name, float scale)
    new_inits = []

    def own(value):
        if value not in params:
            s, z = act_uint8(*ranges[value])
            b = value.replace("/", "_").replace(".", "_").strip("_")
            new_inits.extend([nh.from_array(s, b + "_scale"), nh.from_array(z, b + "_zero_point")])
            params[value] = (b + "_scale", b + "_zero_point", float(s))
        return params[value]

    # Which values are quantised, and with whose parameters.
    for n in nodes:
        float_ins = [i for i in n.input[:1 if n.op_type in DIRECT else None] if i and i not in const]
        if n.op_type in DIRECT and float_ins and float_ins[0] in params:
            own(float_ins[0])
            params.setdefault(n.output[0], params[float_ins[0]])
        elif n.op_type in OWN:
            for i in float_ins:
                if i in ranges:
                    own(i)
            if n.op_type == "Softmax":  # the quantiser fixes its range at [0, 1]
                b = n.output[0].replace("/", "_").strip("_")
                new_inits += [nh.from_array(np.float32(1 / 256), b + "_scale"), nh.from_array(np.uint8(0), b + "_zero_point")]
                params[n.output[0]] = (b + "_scale", b + "_zero_point", 1 / 256)
            elif n.output[0] in ranges:
                own(n.output[0])

    out_nodes, renamed = [], {}

    def pair(value):
        """Q → DQ after value; readers read the DQ's output (a graph output
        keeps its name on the DQ)."""
        s, z, _ = params[value]
        b = value.replace("/", "_").replace(".", "_").strip("_")
        src, dst = value, value + "_DequantizeLinear_Output"
        if value in outputs:
            src = value + "_QuantizeLinear_Input"
            dst = value
        out_nodes.append(h.make_node("QuantizeLinear", [src, s, z], [b + "_QuantizeLinear_Output"], name=b + "_QuantizeLinear"))
        out_nodes.append(h.make_node("DequantizeLinear", [b + "_QuantizeLinear_Output", s, z], [dst], name=b + "_DequantizeLinear"))
        renamed[value] = dst
        return src

    def weight(name, axis, per_channel=True):
        w = inits[name]
        if per_channel:
            q, sc = weight_int8(w, axis)
        else:
            q, sc = weight_int8(w.reshape(1, -1), 0)
            q, sc = q.reshape(w.shape), sc.reshape(())
        b = name.replace("/", "_").replace(".", "_").strip("_")
        new_inits.extend([nh.from_array(q, b + "_quantized"), nh.from_array(sc, b + "_scale"),
                          nh.from_array(np.zeros(sc.shape, np.int8), b + "_zero_point")])
        attrs = {"axis": axis} if per_channel else {}
        out_nodes.append(h.make_node("DequantizeLinear", [b + "_quantized", b + "_scale", b + "_zero_point"], [b + "_DequantizeLinear_Output"], name=b + "_DequantizeLinear", **attrs))
        return b + "_DequantizeLinear_Output", sc

    def bias(name, xs, ws):
        bs = (np.float32(xs) * ws.astype(np.float32)).astype(np.float32).reshape(-1)
        q = np.clip(np.round(inits[name].reshape(-1) / bs), -2**31, 2**31 - 1).astype(np.int32)
        b = name.replace("/", "_").replace(".", "_").strip("_")
        new_inits.extend([nh.from_array(q, b + "_quantized"), nh.from_array(bs, b + "_scale"),
                          nh.from_array(np.zeros(bs.shape, np.int32), b + "_zero_point")])
        out_nodes.append(h.make_node("DequantizeLinear", [b + "_quantized", b + "_scale", b + "_zero_point"], [b + "_DequantizeLinear_Output"], name=b + "_DequantizeLinear", axis=0))
        return b + "_DequantizeLinear_Output"

    inp = g.input[0].name
    if inp in params:
        pair(inp)
    for n in nodes:
        ins = list(n.input)
        for k, i in enumerate(ins):
            ins[k] = renamed.get(i, i)
        if n.op_type in ("Conv", "Gemm", "MatMul") and len(ins) > 1 and n.input[1] in inits:
            axis = 0
            if n.op_type == "MatMul" or (n.op_type == "Gemm" and not any(a.name == "transB" and a.i for a in n.attribute)):
                axis = inits[n.input[1]].ndim - 1
            ins[1], ws = weight(n.input[1], axis)
            if len(ins) > 2 and n.input[2] in inits and n.input[0] in params:
                ins[2] = bias(n.input[2], params[n.input[0]][2], ws)
        elif n.op_type in ("Add", "Mul") and any(i in inits for i in n.input):
            for k, i in enumerate(n.input):  # a constant operand: one scale, int8
                if i in inits:
                    ins[k], _ = weight(i, 0, per_channel=False)
        del n.input[:]
        n.input.extend(ins)
        quantised_outs = [o for o in n.output if o in params]
        for o in quantised_outs:
            if o in outputs:
                n.output[list(n.output).index(o)] = o + "_QuantizeLinear_Input"
        out_nodes.append(n)
        for o in quantised_outs:
            pair(o)
    return replace(m, out_nodes, new_inits)


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
