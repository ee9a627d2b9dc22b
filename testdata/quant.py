#!/usr/bin/env python3
"""Tiny quantised models in the forms onnxruntime's quantiser writes, for
onnxload's fixture tests: QDQ at opsets 10, 13 and 21 (per-tensor and
per-channel weights, uint8/int8/int16/uint16 activations, int32 biases)
and dynamic (DynamicQuantizeLinear, ConvInteger, MatMulInteger). Scales
are calibrated on a few inputs with a float forward pass, as the
quantiser does. Writes testdata/quant/<case>/{model.onnx,input.npy};
testdata/ort_nodes.sh then records onnxruntime's outputs.

    /usr/bin/python3 testdata/quant.py
"""
import os
import numpy as np
import onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quant")
rng = np.random.default_rng(7)


def conv2d(x, w, b=None, pad=1):
    n, c, hh, ww = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = hh + 2 * pad - kh + 1, ww + 2 * pad - kw + 1
    y = np.zeros((n, m, oh, ow), np.float64)
    for i in range(kh):
        for j in range(kw):
            y += np.einsum("nchw,mc->nmhw", xp[:, :, i:i + oh, j:j + ow], w[:, :, i, j])
    if b is not None:
        y += b[None, :, None, None]
    return y


def act_params(v, dtype):
    """Asymmetric (uint) or symmetric (int) scale and zero point for the
    range of v, as the quantiser's MinMax calibration does."""
    lo, hi = min(0.0, float(v.min())), max(0.0, float(v.max()))
    if dtype in (np.uint8, np.uint16):
        qmax = np.iinfo(dtype).max
        s = (hi - lo) / qmax
        z = int(np.clip(np.round(-lo / s), 0, qmax))
        return np.float32(s), np.array(z, dtype)
    qmax = np.iinfo(dtype).max
    s = max(abs(lo), abs(hi)) / qmax
    return np.float32(s), np.array(0, dtype)


def weight_q(w, per_channel, dtype=np.int8):
    """Symmetric int8 (or asymmetric uint8) weights, one scale per output
    channel or one for all."""
    axes = tuple(range(1, w.ndim)) if per_channel else None
    if dtype == np.int8:
        s = np.abs(w).max(axis=axes) / 127.0
        z = np.zeros_like(s, dtype=np.int8)
        sb = s.reshape(-1, *([1] * (w.ndim - 1))) if per_channel else s
        q = np.clip(np.round(w / sb), -127, 127).astype(np.int8)
    else:
        lo, hi = np.minimum(w.min(axis=axes), 0), np.maximum(w.max(axis=axes), 0)
        s = (hi - lo) / 255.0
        z = np.clip(np.round(-lo / s), 0, 255).astype(np.uint8)
        sb = s.reshape(-1, *([1] * (w.ndim - 1))) if per_channel else s
        zb = z.reshape(-1, *([1] * (w.ndim - 1))) if per_channel else z
        q = np.clip(np.round(w / sb) + zb, 0, 255).astype(np.uint8)
    return q, np.asarray(s, np.float32), np.asarray(z)


def save(name, model, x):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    if model.ir_version <= 8 and len(model.opset_import) == 1:  # python3-onnx 1.12 checks up to opset 17, default domain
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(d, "model.onnx"))
    np.save(os.path.join(d, "input.npy"), x.astype(np.float32))
    print(name, len(model.graph.node), "nodes")


def init(name, a):
    return nh.from_array(np.asarray(a), name)


def qdq(opset, act=np.uint8, act2=np.int8, per_channel=True):
    """x → Q → DQ → Conv (int8 weights, int32 bias) → Relu → Q → DQ →
    MaxPool → Q (act2) → DQ → GlobalAveragePool → Flatten → Q → DQ → Gemm."""
    x = rng.normal(size=(1, 3, 8, 8)).astype(np.float32)
    calib = [rng.normal(size=(1, 3, 8, 8)).astype(np.float32) for _ in range(4)] + [x]
    w = rng.normal(scale=0.4, size=(6, 3, 3, 3)).astype(np.float32)
    bias = rng.normal(scale=0.1, size=6).astype(np.float32)
    fc = rng.normal(scale=0.5, size=(4, 6)).astype(np.float32)
    xs = np.concatenate(calib)
    s_in, z_in = act_params(xs, act)
    wq, ws, wz = weight_q(w, per_channel)
    bq = np.round(bias / (s_in * ws)).astype(np.int32)
    y = np.maximum(conv2d(xs, w, bias), 0)
    s_y, z_y = act_params(y, act)
    pooled = y.reshape(y.shape[0], 6, 4, 2, 4, 2).max(axis=(3, 5))
    s_p, z_p = act_params(pooled - pooled.mean() * 0.5, act2)  # a range off centre
    g = pooled.mean(axis=(2, 3))
    s_g, z_g = act_params(g, act)
    fq, fs, fz = weight_q(fc, False)
    inits = [init("s_in", s_in), init("z_in", z_in), init("wq", wq), init("ws", ws), init("wz", wz),
             init("bq", bq), init("bs", (s_in * ws).astype(np.float32)),
             init("s_y", s_y), init("z_y", z_y), init("s_p", s_p), init("z_p", z_p), init("s_g", s_g), init("z_g", z_g),
             init("fq", fq), init("fs", fs), init("fz", fz), init("fc_b", np.full(4, 0.1, np.float32))]
    ax = {"axis": 0} if per_channel else {}
    nodes = [
        h.make_node("QuantizeLinear", ["input", "s_in", "z_in"], ["x_q"], name="q_in"),
        h.make_node("DequantizeLinear", ["x_q", "s_in", "z_in"], ["x_dq"], name="dq_in"),
        h.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="dq_w", **ax),
        h.make_node("DequantizeLinear", ["bq", "bs"], ["b"], name="dq_b", **ax),
        h.make_node("Conv", ["x_dq", "w", "b"], ["conv"], name="conv", pads=[1, 1, 1, 1]),
        h.make_node("Relu", ["conv"], ["relu"], name="relu"),
        h.make_node("QuantizeLinear", ["relu", "s_y", "z_y"], ["relu_q"], name="q_relu"),
        h.make_node("DequantizeLinear", ["relu_q", "s_y", "z_y"], ["relu_dq"], name="dq_relu"),
        h.make_node("MaxPool", ["relu_dq"], ["pool"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        h.make_node("QuantizeLinear", ["pool", "s_p", "z_p"], ["pool_q"], name="q_pool"),
        h.make_node("DequantizeLinear", ["pool_q", "s_p", "z_p"], ["pool_dq"], name="dq_pool"),
        h.make_node("GlobalAveragePool", ["pool_dq"], ["gap"], name="gap"),
        h.make_node("Flatten", ["gap"], ["flat"], name="flat"),
        h.make_node("QuantizeLinear", ["flat", "s_g", "z_g"], ["flat_q"], name="q_flat"),
        h.make_node("DequantizeLinear", ["flat_q", "s_g", "z_g"], ["flat_dq"], name="dq_flat"),
        h.make_node("DequantizeLinear", ["fq", "fs", "fz"], ["fc_w"], name="dq_fc"),
        h.make_node("Gemm", ["flat_dq", "fc_w", "fc_b"], ["logits"], name="fc", transB=1),
    ]
    if opset < 13:  # opset 10: no axis, per-tensor only
        for n in nodes:
            if n.op_type == "DequantizeLinear":
                del n.attribute[:]
    graph = h.make_graph(nodes, "qdq", [h.make_tensor_value_info("input", T.FLOAT, [1, 3, 8, 8])],
                         [h.make_tensor_value_info("logits", T.FLOAT, [1, 4])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=min(8 if opset < 21 else 10, 10)), x


def dynamic():
    """x → DynamicQuantizeLinear → ConvInteger (uint8 weights, one zero
    point) → Cast → ·scales → Relu → Flatten →
    DynamicQuantizeLinear → MatMulInteger (int8 weights) → Cast → ·scales."""
    x = rng.normal(size=(1, 3, 6, 6)).astype(np.float32)
    w = rng.normal(scale=0.4, size=(4, 3, 3, 3)).astype(np.float32)
    fc = rng.normal(scale=0.3, size=(4 * 36, 5)).astype(np.float32)
    wq, ws, wz = weight_q(w, False, np.uint8)  # onnxruntime's ConvInteger takes one weight zero point
    fq, fs, fz = weight_q(fc.T, False)  # one scale
    fq = fq.T.copy()
    inits = [init("wq", wq), init("wz", wz), init("ws", ws), init("fq", fq), init("fz", np.int8(0)),
             init("fs", fs), init("shape", np.array([1, -1], np.int64))]
    nodes = [
        h.make_node("DynamicQuantizeLinear", ["input"], ["x_q", "x_s", "x_z"], name="dq_x"),
        h.make_node("ConvInteger", ["x_q", "wq", "x_z", "wz"], ["conv_i"], name="conv", pads=[1, 1, 1, 1]),
        h.make_node("Cast", ["conv_i"], ["conv_f"], name="cast_conv", to=T.FLOAT),
        h.make_node("Mul", ["conv_f", "x_s"], ["conv_s"], name="mul_xs"),
        h.make_node("Mul", ["conv_s", "ws"], ["conv"], name="mul_ws"),
        h.make_node("Relu", ["conv"], ["relu"], name="relu"),
        h.make_node("Reshape", ["relu", "shape"], ["flat"], name="flat"),
        h.make_node("DynamicQuantizeLinear", ["flat"], ["a_q", "a_s", "a_z"], name="dq_a"),
        h.make_node("MatMulInteger", ["a_q", "fq", "a_z", "fz"], ["mm_i"], name="mm"),
        h.make_node("Cast", ["mm_i"], ["mm_f"], name="cast_mm", to=T.FLOAT),
        h.make_node("Mul", ["a_s", "fs"], ["ab_s"], name="mul_scales"),
        h.make_node("Mul", ["mm_f", "ab_s"], ["logits"], name="mul_ab"),
    ]
    graph = h.make_graph(nodes, "dynamic", [h.make_tensor_value_info("input", T.FLOAT, [1, 3, 6, 6])],
                         [h.make_tensor_value_info("logits", T.FLOAT, [1, 5])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 13)], ir_version=8), x


def qoperator():
    """The QOperator form: integer tensors from the first QuantizeLinear to
    the last DequantizeLinear, every op a QLinear one (standard and
    com.microsoft). Scales are set from the ranges a float pass gives
    roughly (some values saturate, which the references check too)."""
    ms = "com.microsoft"
    x = rng.normal(size=(1, 3, 8, 8)).astype(np.float32)
    w = rng.normal(scale=0.3, size=(6, 3, 3, 3)).astype(np.float32)
    w2 = rng.normal(scale=0.3, size=(6, 6, 1, 1)).astype(np.float32)
    fc = rng.normal(scale=0.3, size=(12, 4)).astype(np.float32)
    g2 = rng.normal(scale=0.3, size=(4, 12)).astype(np.float32)
    wq, ws, wz = weight_q(w, True)
    w2q, w2s, w2z = weight_q(w2, False)
    fq, fs, fz = weight_q(fc, False)
    g2q, g2s, g2z = weight_q(g2, False)
    f32, u8 = np.float32, np.uint8
    sc = {  # name: (scale, zero point)
        "in": (f32(6 / 255), u8(128)), "c": (f32(10 / 255), u8(120)), "l": (f32(6 / 255), u8(40)),
        "c2": (f32(8 / 255), u8(128)), "a": (f32(10 / 255), u8(100)), "m": (f32(12 / 255), u8(60)),
        "s": (f32(1 / 255), u8(0)), "cat": (f32(5 / 255), u8(30)), "ap": (f32(4 / 255), u8(40)),
        "g": (f32(3 / 255), u8(50)), "o": (f32(4 / 255), u8(128)), "q": (f32(4 / 255), u8(128)),
    }
    inits = [init("wq", wq), init("ws", ws), init("wz", wz), init("bq", rng.integers(-500, 500, 6).astype(np.int32)),
             init("w2q", w2q), init("w2s", w2s), init("w2z", w2z),
             init("fq", fq), init("fs", fs), init("fz", fz), init("g2q", g2q), init("g2s", g2s), init("g2z", g2z),
             init("gb", rng.integers(-300, 300, 4).astype(np.int32)), init("shape", np.array([1, 12], np.int64))]
    for k, (s_, z_) in sc.items():
        inits += [init("s_" + k, s_), init("z_" + k, z_)]
    def t(k):
        return ["s_" + k, "z_" + k]
    nodes = [
        h.make_node("QuantizeLinear", ["input"] + t("in"), ["xq"], name="q_in"),
        h.make_node("QLinearConv", ["xq"] + t("in") + ["wq", "ws", "wz"] + t("c") + ["bq"], ["cq"], name="conv", pads=[1, 1, 1, 1]),
        h.make_node("QLinearLeakyRelu", ["cq"] + t("c") + t("l"), ["lq"], name="leaky", domain=ms, alpha=0.1),
        h.make_node("QLinearConv", ["lq"] + t("l") + ["w2q", "w2s", "w2z"] + t("c2"), ["c2q"], name="conv1x1"),
        h.make_node("QLinearAdd", ["lq"] + t("l") + ["c2q"] + t("c2") + t("a"), ["aq"], name="add", domain=ms),
        h.make_node("QLinearMul", ["aq"] + t("a") + ["lq"] + t("l") + t("m"), ["mq"], name="mul", domain=ms),
        h.make_node("QLinearSigmoid", ["mq"] + t("m") + t("s"), ["sq"], name="sigmoid", domain=ms),
        h.make_node("QLinearConcat", t("cat") + ["sq"] + t("s") + ["lq"] + t("l"), ["catq"], name="concat", domain=ms, axis=1),
        h.make_node("QLinearAveragePool", ["catq"] + t("cat") + t("ap"), ["apq"], name="avgpool", domain=ms, kernel_shape=[2, 2], strides=[2, 2]),
        h.make_node("QLinearGlobalAveragePool", ["apq"] + t("ap") + t("g"), ["gq"], name="gap", domain=ms, channels_last=0),
        h.make_node("Reshape", ["gq", "shape"], ["gflat"], name="flat"),
        h.make_node("QLinearMatMul", ["gflat"] + t("g") + ["fq", "fs", "fz"] + t("o"), ["oq"], name="matmul"),
        h.make_node("QGemm", ["gflat"] + t("g") + ["g2q", "g2s", "g2z", "gb"] + t("q"), ["qgq"], name="qgemm", domain=ms, transB=1),
        h.make_node("QLinearAdd", ["oq"] + t("o") + ["qgq"] + t("q") + t("o"), ["sumq"], name="heads", domain=ms),
        h.make_node("DequantizeLinear", ["sumq"] + t("o"), ["logits"], name="dq_out"),
    ]
    graph = h.make_graph(nodes, "qoperator", [h.make_tensor_value_info("input", T.FLOAT, [1, 3, 8, 8])],
                         [h.make_tensor_value_info("logits", T.FLOAT, [1, 4])], inits)
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", 13), h.make_opsetid(ms, 1)], ir_version=8)
    return m, x


def qsoftmax():
    """QLinearSoftmax (com.microsoft, uint8) in onnxruntime's two forms:
    opset 13 along a middle axis, and the old form over every axis from 1."""
    ms = "com.microsoft"
    x = rng.normal(scale=2, size=(2, 5, 7)).astype(np.float32)
    inits = [init("s_in", np.float32(8 / 255)), init("z_in", np.uint8(128)),
             init("s_y", np.float32(1 / 256)), init("z_y", np.uint8(0)), init("s_o", np.float32(1 / 200)), init("z_o", np.uint8(3))]
    nodes = [
        h.make_node("QuantizeLinear", ["input", "s_in", "z_in"], ["xq"], name="q_in"),
        h.make_node("QLinearSoftmax", ["xq", "s_in", "z_in", "s_y", "z_y"], ["sm13"], name="softmax13", domain=ms, axis=1, opset=13),
        h.make_node("QLinearSoftmax", ["xq", "s_in", "z_in", "s_o", "z_o"], ["sm11"], name="softmax11", domain=ms, axis=1, opset=11),
        h.make_node("DequantizeLinear", ["sm13", "s_y", "z_y"], ["p13"], name="dq13"),
        h.make_node("DequantizeLinear", ["sm11", "s_o", "z_o"], ["p11"], name="dq11"),
        h.make_node("Add", ["p13", "p11"], ["logits"], name="both"),
    ]
    graph = h.make_graph(nodes, "qsoftmax", [h.make_tensor_value_info("input", T.FLOAT, [2, 5, 7])],
                         [h.make_tensor_value_info("logits", T.FLOAT, [2, 5, 7])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 13), h.make_opsetid(ms, 1)], ir_version=8), x


def blocked():
    """Opset 21's blocked quantisation of weights, as 4-bit model files use
    it: int8 weights [6, 10] in blocks of 4 along axis 1 (the last block
    short), one scale and zero point per block, feeding a MatMul."""
    x = rng.normal(size=(3, 6)).astype(np.float32)
    wq = rng.integers(-100, 100, size=(6, 10)).astype(np.int8)
    ws = rng.uniform(0.01, 0.05, size=(6, 3)).astype(np.float32)
    wz = rng.integers(-5, 5, size=(6, 3)).astype(np.int8)
    inits = [init("wq", wq), init("ws", ws), init("wz", wz)]
    nodes = [
        h.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="dq_w", axis=1, block_size=4),
        h.make_node("MatMul", ["input", "w"], ["logits"], name="mm"),
    ]
    graph = h.make_graph(nodes, "blocked", [h.make_tensor_value_info("input", T.FLOAT, [3, 6])],
                         [h.make_tensor_value_info("logits", T.FLOAT, [3, 10])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 21)], ir_version=10), x


if __name__ == "__main__":
    save("qdq-opset13", *qdq(13))
    save("qdq-opset10", *qdq(10, per_channel=False))
    save("qdq-opset21-16bit", *qdq(21, act=np.uint16, act2=np.int16))
    save("dynamic-opset13", *dynamic())
    save("qoperator-opset13", *qoperator())
    save("qsoftmax-opset13", *qsoftmax())
    save("blocked-opset21", *blocked())
