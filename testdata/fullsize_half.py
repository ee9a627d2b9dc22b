#!/usr/bin/env python3
"""A float32 ONNX model in float16, inputs and outputs included (as
keep_io_types=False converters write it), and its float32 twin holding
the same rounded weights: invrep computes the float16 file in float32,
so its outputs must be the twin's as onnxruntime computes them.

  /usr/bin/python3 testdata/fullsize_half.py MODEL.onnx
writes MODEL-fp16.onnx and MODEL-fp16twin.onnx beside it.
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper as nh, TensorProto as T

src = sys.argv[1]
for suffix, dt in (("-fp16", np.float16), ("-fp16twin", np.float32)):
    m = onnx.load(src)
    for i, t in enumerate(m.graph.initializer):
        if t.data_type == T.FLOAT:
            a = nh.to_array(t).astype(np.float16).astype(dt)
            m.graph.initializer[i].CopyFrom(nh.from_array(a, t.name))
    if dt == np.float16:
        for v in list(m.graph.input) + list(m.graph.output):
            v.type.tensor_type.elem_type = T.FLOAT16
    onnx.save(m, src.replace(".onnx", suffix + ".onnx"))
print(src, "half written")
