#!/usr/bin/env python3
"""A torchvision CNN of Conv, Relu, Add, MaxPool, GlobalAveragePool,
Flatten and Gemm (ResNet-50) in the QOperator form: integer tensors from
one QuantizeLinear at the input to a float QGemm at the end, as
onnxruntime's quantiser writes it with its ReLU fusion (a Relu after a
Conv or an Add is dropped: the op's output range starts at 0, so the
quantiser's clamp is the ReLU). Conv → QLinearConv (int8 per-channel
weights, int32 bias), Add → com.microsoft.QLinearAdd, GlobalAveragePool →
com.microsoft.QLinearGlobalAveragePool, Gemm → com.microsoft.QGemm with a
float output; MaxPool and Flatten run on the integers. Ranges as
testdata/fullsize_quant.py's (testdata/ort_ranges.js).

  /usr/bin/python3 testdata/fullsize_qoperator.py OUT MODEL.onnx RANGES.json
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper as h, numpy_helper as nh

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fullsize_quant import act_uint8, weight_int8, replace  # noqa: E402

MS = "com.microsoft"


def qoperator(m, ranges):
    g = m.graph
    inits = {i.name: nh.to_array(i) for i in g.initializer}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    relu_after = {}  # value → the Relu that alone reads it
    for n in g.node:
        if n.op_type == "Relu" and len(consumers.get(n.input[0], [])) == 1:
            relu_after[n.input[0]] = n
    new_nodes, new_inits = [], []
    qname = {}  # float value → (its integer value, scale name, zero name)

    def params(value, rng):
        s, z = act_uint8(*rng)
        b = value.replace("/", "_").strip("_")
        new_inits.extend([nh.from_array(s, b + "_s"), nh.from_array(z, b + "_z")])
        return b + "_s", b + "_z", float(s)

    inp = g.input[0].name
    # The input is a photo normalised as ImageNet models take it: its range
    # is that of (0 − mean)/std … (1 − mean)/std over the channels.
    s_in, z_in, f_in = params(inp, ranges.get(inp, (-2.1179, 2.6400)))
    new_nodes.append(h.make_node("QuantizeLinear", [inp, s_in, z_in], [inp + "_q"], name="quant_input"))
    qname[inp] = (inp + "_q", s_in, z_in)
    scale = {inp: f_in}  # value → its scale, for the int32 biases
    dropped = set()
    for n in g.node:
        if id(n) in dropped:
            continue
        out = n.output[0]
        fused = relu_after.get(out) if n.op_type in ("Conv", "Add") else None
        final = fused.output[0] if fused is not None else out
        if fused is not None:
            dropped.add(id(fused))
        if n.op_type == "Conv":
            x, sx, zx = qname[n.input[0]]
            sy, zy, fy = params(final, ranges[final])
            w = inits[n.input[1]]
            q, s = weight_int8(w, 0)
            b = out.replace("/", "_").strip("_")
            new_inits += [nh.from_array(q, b + "_wq"), nh.from_array(s, b + "_ws"), nh.from_array(np.zeros(len(s), np.int8), b + "_wz")]
            ins = [x, sx, zx, b + "_wq", b + "_ws", b + "_wz", sy, zy]
            if len(n.input) > 2:
                x_scale = scale[n.input[0]]
                bias = np.round(inits[n.input[2]] / (x_scale * s)).astype(np.int32)
                new_inits.append(nh.from_array(bias, b + "_bq"))
                ins.append(b + "_bq")
            attrs = {a.name: h.get_attribute_value(a) for a in n.attribute}
            new_nodes.append(h.make_node("QLinearConv", ins, [final + "_q"], name=n.name, **attrs))
            qname[final] = (final + "_q", sy, zy)
            scale[final] = fy
        elif n.op_type == "Add":
            a, sa, za = qname[n.input[0]]
            c, sc, zc = qname[n.input[1]]
            sy, zy, fy = params(final, ranges[final])
            new_nodes.append(h.make_node("QLinearAdd", [a, sa, za, c, sc, zc, sy, zy], [final + "_q"], name=n.name, domain=MS))
            qname[final] = (final + "_q", sy, zy)
            scale[final] = fy
        elif n.op_type in ("MaxPool", "Flatten", "Relu"):
            x, sx, zx = qname[n.input[0]]
            attrs = {a.name: h.get_attribute_value(a) for a in n.attribute}
            new_nodes.append(h.make_node(n.op_type, [x] + list(n.input[1:]), [out + "_q"], name=n.name, **attrs))
            qname[out] = (out + "_q", sx, zx)
            scale[out] = scale[n.input[0]]
        elif n.op_type == "GlobalAveragePool":
            x, sx, zx = qname[n.input[0]]
            sy, zy, fy = params(out, ranges[out])
            new_nodes.append(h.make_node("QLinearGlobalAveragePool", [x, sx, zx, sy, zy], [out + "_q"], name=n.name, domain=MS, channels_last=0))
            qname[out] = (out + "_q", sy, zy)
            scale[out] = fy
        elif n.op_type == "Gemm":
            x, sx, zx = qname[n.input[0]]
            w = inits[n.input[1]]  # [N, K] with transB
            q, s = weight_int8(w, 0)
            b = out.replace("/", "_").strip("_")
            x_scale = scale[n.input[0]]
            bias = np.round(inits[n.input[2]] / (x_scale * s)).astype(np.int32)
            new_inits += [nh.from_array(q, b + "_wq"), nh.from_array(s, b + "_ws"), nh.from_array(np.zeros(len(s), np.int8), b + "_wz"),
                          nh.from_array(bias, b + "_bq")]
            new_nodes.append(h.make_node("QGemm", [x, sx, zx, b + "_wq", b + "_ws", b + "_wz", b + "_bq"], [out], name=n.name, domain=MS, transB=1))
        else:
            raise SystemExit(f"{n.op_type} is not in this writer")
    m = replace(m, new_nodes, new_inits)
    m.opset_import.append(h.make_opsetid(MS, 1))
    return m


if __name__ == "__main__":
    out, model, calib = sys.argv[1], sys.argv[2], sys.argv[3]
    name = os.path.basename(model).replace(".onnx", "")
    ranges = {k: tuple(v) for k, v in json.load(open(calib)).items()}
    onnx.save(qoperator(onnx.load(model), ranges), os.path.join(out, name + "-qoperator.onnx"))
    print(name, "written")
