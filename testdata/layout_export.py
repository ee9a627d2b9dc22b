#!/usr/bin/env python3
"""A torchvision MobileNetV2 (random, BatchNorm-calibrated weights, as
testdata/tv_export.py makes them) exported twice: channels first, and
channels last as tf2onnx writes Keras models (input [1,224,224,3], then a
Transpose to channels first). docs/models.md inverts both from one photo
at one seed and compares the reconstructions.

  /usr/bin/python3 testdata/layout_export.py OUTDIR
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tv_export import build  # noqa: E402


class ChannelsLast(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x.permute(0, 3, 1, 2))


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    m, size = build("mobilenet_v2")
    torch.onnx.export(m, torch.zeros(1, 3, size, size), os.path.join(out, "mobilenet_v2-nchw.onnx"), opset_version=14,
                      input_names=["input"], output_names=["logits"])
    torch.onnx.export(ChannelsLast(m), torch.zeros(1, size, size, 3), os.path.join(out, "mobilenet_v2-nhwc.onnx"),
                      opset_version=14, input_names=["input"], output_names=["logits"])
    print(out)
