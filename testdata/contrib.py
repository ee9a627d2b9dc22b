#!/usr/bin/env python3
"""Tiny models of onnxruntime's contrib ops (com.microsoft) that its
optimiser and transformer tools write and testdata/optimize.sh's files do
not hold: FusedConv with a sum input and each activation, FusedGemm,
FastGelu, BiasGelu, QuickGelu, the skip and simplified layer
norms (their sum output used), Attention and MultiHeadAttention; and a
float16 model with its float32 twin (testdata/half). Writes testdata/contrib/<case>/{model.onnx,input.npy}; then
testdata/ort_nodes.sh testdata/contrib/*/ records onnxruntime's outputs.

    /usr/bin/python3 testdata/contrib.py
"""
import os
import numpy as np
import onnx
from onnx import helper as h, numpy_helper as nh, TensorProto as T

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "contrib")
rng = np.random.default_rng(11)
MS = "com.microsoft"


def init(name, a):
    return nh.from_array(np.asarray(a, np.float32), name)


def save(name, nodes, inits, shape, out, out_shape):
    graph = h.make_graph(nodes, name, [h.make_tensor_value_info("input", T.FLOAT, shape)],
                         [h.make_tensor_value_info(out, T.FLOAT, out_shape)], inits)
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", 17), h.make_opsetid(MS, 1)], ir_version=8)
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    onnx.save(m, os.path.join(d, "model.onnx"))
    np.save(os.path.join(d, "input.npy"), rng.normal(size=shape).astype(np.float32))
    print(name, len(nodes), "nodes")


def conv_block():
    """FusedConv (Relu; with the sum input Z, LeakyRelu; Clip; HardSigmoid;
    Sigmoid; Tanh), then GAP. (NhwcConv has no CPU kernel in onnxruntime:
    onnxload's test checks it, and BiasAdd, CUDA-only too, against the
    standard ops instead.)"""
    w = lambda o, i, k: init(f"w{o}_{i}_{k}", rng.normal(scale=0.3, size=(o, i, k, k)))
    inits = [w(6, 3, 3), w(6, 6, 3), w(6, 6, 1), init("b6", rng.normal(scale=0.1, size=6))]
    nodes = [
        h.make_node("FusedConv", ["input", "w6_3_3", "b6"], ["c0"], name="fc_relu", domain=MS, activation="Relu", pads=[1, 1, 1, 1]),
        h.make_node("FusedConv", ["c0", "w6_6_3", "b6", "c0"], ["c1"], name="fc_sum_leaky", domain=MS, activation="LeakyRelu",
                    activation_params=[0.2], pads=[1, 1, 1, 1]),
        h.make_node("FusedConv", ["c1", "w6_6_1"], ["c2"], name="fc_clip", domain=MS, activation="Clip", activation_params=[-0.5, 0.8]),
        h.make_node("FusedConv", ["c2", "w6_6_3", "b6"], ["c3"], name="fc_hardsig", domain=MS, activation="HardSigmoid",
                    activation_params=[0.3, 0.4], pads=[1, 1, 1, 1]),
        h.make_node("FusedConv", ["c3", "w6_6_1"], ["c4"], name="fc_sigmoid", domain=MS, activation="Sigmoid"),
        h.make_node("FusedConv", ["c4", "w6_6_3"], ["c5"], name="fc_tanh", domain=MS, activation="Tanh", strides=[2, 2], pads=[1, 1, 1, 1]),
        h.make_node("GlobalAveragePool", ["c5"], ["out"], name="gap"),
    ]
    save("conv-ops", nodes, inits, [1, 3, 8, 8], "out", [1, 6, 1, 1])


def token_block():
    """On tokens [1,5,8]: FusedGemm, FastGelu (with bias), BiasGelu,
    QuickGelu, SkipLayerNormalization (sum output used),
    SkipSimplifiedLayerNormalization and SimplifiedLayerNormalization
    (which onnxruntime registers in the default domain; its contrib
    LayerNormalization is no longer registered)."""
    d = 8
    r = lambda *s: rng.normal(scale=0.4, size=s)
    inits = [init("wg", r(d, d)), init("bg", r(d)), init("bias", r(d)), init("gamma", 1 + r(d) * 0.3), init("beta", r(d)),
             init("shape2", np.array([5, d])), init("shape3", np.array([1, 5, d]))]
    inits[-2] = nh.from_array(np.array([5, d], np.int64), "shape2")
    inits[-1] = nh.from_array(np.array([1, 5, d], np.int64), "shape3")
    nodes = [
        h.make_node("Reshape", ["input", "shape2"], ["x2"], name="flat"),
        h.make_node("FusedGemm", ["x2", "wg", "bg"], ["g"], name="fused_gemm", domain=MS, activation="LeakyRelu", activation_alpha=0.1, transB=1),
        h.make_node("Reshape", ["g", "shape3"], ["g3"], name="tokens"),
        h.make_node("FastGelu", ["g3", "bias"], ["fg"], name="fast_gelu", domain=MS),
        h.make_node("BiasGelu", ["fg", "bias"], ["bg_out"], name="bias_gelu", domain=MS),
        h.make_node("QuickGelu", ["bg_out"], ["qg"], name="quick_gelu", domain=MS, alpha=1.5),
        h.make_node("Add", ["qg", "input"], ["ba"], name="add"),
        h.make_node("SkipLayerNormalization", ["ba", "input", "gamma", "beta", "bias"], ["sln", "", "", "sum"], name="skip_ln", domain=MS, epsilon=1e-5),
        h.make_node("Add", ["sln", "sum"], ["res"], name="residual"),
        h.make_node("SkipSimplifiedLayerNormalization", ["res", "sln", "gamma"], ["ssln"], name="skip_rms", domain=MS, epsilon=1e-6),
        h.make_node("SimplifiedLayerNormalization", ["ssln", "gamma"], ["rms"], name="rms", epsilon=1e-6, axis=-1),
        h.make_node("Mul", ["rms", "gamma"], ["out"], name="scale"),
    ]
    save("token-ops", nodes, inits, [1, 5, d], "out", [1, 5, d])


def attention_block():
    """ViT-style attention as onnxruntime's transformer optimiser writes it:
    Attention (packed weights [8, 24] and bias, 2 heads), then
    MultiHeadAttention on separate q, k, v with a packed bias."""
    d = 8
    inits = [init("wqkv", rng.normal(scale=0.5, size=(d, 3 * d))), init("bqkv", rng.normal(scale=0.2, size=3 * d)),
             init("bmha", rng.normal(scale=0.2, size=3 * d))]
    nodes = [
        h.make_node("Attention", ["input", "wqkv", "bqkv"], ["att"], name="attention", domain=MS, num_heads=2),
        h.make_node("MultiHeadAttention", ["att", "input", "att", "bmha"], ["out"], name="mha", domain=MS, num_heads=2),
    ]
    save("attention-ops", nodes, inits, [1, 5, d], "out", [1, 5, d])


def half_precision():
    """A conv block stored in float16, inputs and outputs included
    (keep_io_types=False), and its float32 twin with the same (rounded)
    weights: invrep computes both in float32, so they must agree."""
    w = rng.normal(scale=0.3, size=(4, 3, 3, 3)).astype(np.float16)
    b = rng.normal(scale=0.1, size=4).astype(np.float16)
    for name, dt, npdt in (("half-fp16", T.FLOAT16, np.float16), ("half-fp32", T.FLOAT, np.float32)):
        nodes = [h.make_node("Conv", ["input", "w", "b"], ["conv"], name="conv", pads=[1, 1, 1, 1]),
                 h.make_node("Relu", ["conv"], ["out"], name="relu")]
        graph = h.make_graph(nodes, name, [h.make_tensor_value_info("input", dt, [1, 3, 8, 8])],
                             [h.make_tensor_value_info("out", dt, [1, 4, 8, 8])],
                             [nh.from_array(w.astype(npdt), "w"), nh.from_array(b.astype(npdt), "b")])
        m = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)], ir_version=8)
        d = os.path.join(os.path.dirname(OUT), "half", name)
        os.makedirs(d, exist_ok=True)
        onnx.save(m, os.path.join(d, "model.onnx"))
        print(name)


if __name__ == "__main__":
    conv_block()
    token_block()
    attention_block()
    half_precision()
