"""Tiny members of each modern model family, exported as a user would, with
references: the project's own fixtures for `go test` (committed, kilobytes
each, so that CI needs no torch).

  /usr/bin/python3 testdata/families.py OUTDIR [--big DIR ...]
  then: bash testdata/families_ort.sh OUTDIR   (onnxruntime references)

For each model and opset it writes OUTDIR/NAME-opsetK/ with
  model.onnx   the export (opsets 11-17 by torch 1.13; 18 and 21 rewritten
               from the opset-17 export: Reduce* axes become inputs)
  input.npy    the input (a fixed random image)
  weight.npy   w, the loss direction: loss = sum(logits * w)
  grad.npy     PyTorch's d loss / d input
  outputs.txt  every float node output, for onnxruntime to dump
Random weights from torch.manual_seed(0); BatchNorm statistics measured on
noise (train mode, cumulative), so deep nodes depend on the input.
Needs Debian's python3-torch, python3-torchvision, python3-onnx.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import torch
import torchvision
from onnx import helper, numpy_helper
from torchvision.models.convnext import CNBlockConfig
from torchvision.models.mobilenetv3 import InvertedResidualConfig

sys.path.insert(0, os.path.dirname(__file__))
from tv_export import calibrate  # noqa: E402  (the same BatchNorm calibration)


def tiny(name):
    tm = torchvision.models
    if name == "vit":
        return tm.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32, num_classes=10), 32
    if name == "convnext":
        return tm.ConvNeXt([CNBlockConfig(8, 16, 1), CNBlockConfig(16, None, 1)], num_classes=10), 32
    if name == "mobilenetv3":
        cfg = [InvertedResidualConfig(8, 3, 16, 8, True, "RE", 2, 1, 1.0),
               InvertedResidualConfig(8, 3, 24, 16, True, "HS", 2, 1, 1.0)]
        return tm.MobileNetV3(cfg, last_channel=32, num_classes=10), 32
    if name == "shufflenetv2":
        return tm.ShuffleNetV2([1, 1, 1], [8, 16, 32, 48, 32], num_classes=10), 32
    if name == "swin":
        return tm.SwinTransformer(patch_size=[2, 2], embed_dim=8, depths=[2, 2], num_heads=[2, 2], window_size=[4, 4],
                                  num_classes=10), 16
    if name == "misc":
        return Misc(), 16
    raise ValueError(name)


class Misc(torch.nn.Module):
    """The ops other exporters and decoder-style models use: transposed
    convolutions, bilinear and nearest resizing, group and instance norms,
    PReLU, Mish, ELU, Softplus, Hardswish, LogSoftmax."""

    def __init__(self):
        super().__init__()
        n = torch.nn
        self.a = n.Sequential(n.Conv2d(3, 8, 3, padding=1), n.GroupNorm(2, 8), n.PReLU(8))
        self.up = n.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1)
        self.b = n.Sequential(n.InstanceNorm2d(6, affine=True), n.Mish(), n.Conv2d(6, 6, 3, padding=1, groups=3), n.ELU(0.7))
        self.c = n.Sequential(n.Conv2d(6, 8, 1), n.Softplus(), n.Hardswish())
        self.head = n.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = self.a(x)
        x = self.up(x)
        x = torch.nn.functional.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=False)
        x = self.b(x)
        x = torch.nn.functional.interpolate(x, scale_factor=2, mode="nearest")
        x = self.c(x)
        # A spatial head: a mean over the whole map after the instance
        # norm would hardly depend on the input.
        x = torch.nn.functional.avg_pool2d(x, 8).flatten(1)
        return torch.log_softmax(self.head(x), dim=1)


FAMILIES = ["vit", "convnext", "mobilenetv3", "shufflenetv2", "swin", "misc"]
OPSETS = {"vit": [11, 14, 17], "convnext": [11, 13, 17], "mobilenetv3": [11, 13, 14], "shufflenetv2": [11, 13],
          "swin": [14, 17], "misc": [11, 13, 17]}


def float_outputs(path):
    m = onnx.load(path)
    inferred = onnx.shape_inference.infer_shapes(m)
    types = {v.name: v.type.tensor_type.elem_type for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    names = []
    for n in m.graph.node:
        for o in n.output:
            if o and types.get(o) == onnx.TensorProto.FLOAT and o not in names:
                names.append(o)
    return names


def rewrite_opset(src, dst, opset):
    """The opset-17 export in a later opset's form: Reduce* (but ReduceSum,
    already) take their axes as an input from opset 18."""
    m = onnx.load(src)
    for imp in m.opset_import:
        if imp.domain in ("", "ai.onnx"):
            imp.version = opset
    for n in m.graph.node:
        if n.op_type.startswith("Reduce") and n.op_type != "ReduceSum":
            axes = [a for a in n.attribute if a.name == "axes"]
            if axes:
                name = n.output[0] + "_axes"
                m.graph.initializer.append(numpy_helper.from_array(np.array(axes[0].ints, dtype=np.int64), name))
                n.input.append(name)
                n.attribute.remove(axes[0])
    onnx.save(m, dst)


def export(name, opset, out):
    torch.manual_seed(0)
    m, size = tiny(name)
    m = calibrate(m, size)
    g = torch.Generator().manual_seed(2)
    x = torch.rand(1, 3, size, size, generator=g) * 2 - 1
    w = torch.randn(1, 10, generator=g)
    d = os.path.join(out, f"{name}-opset{opset}")
    os.makedirs(d, exist_ok=True)
    src_opset = min(opset, 17)
    torch.onnx.export(m, x, os.path.join(d, "model.onnx"), opset_version=src_opset, input_names=["input"], output_names=["logits"])
    if opset > 17:
        rewrite_opset(os.path.join(d, "model.onnx"), os.path.join(d, "model.onnx"), opset)
    xg = x.clone().requires_grad_(True)
    (m(xg) * w).sum().backward()
    np.save(os.path.join(d, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(d, "weight.npy"), w.numpy().astype(np.float32))
    np.save(os.path.join(d, "grad.npy"), xg.grad.numpy().astype(np.float32))
    with open(os.path.join(d, "outputs.txt"), "w") as f:
        f.write("\n".join(float_outputs(os.path.join(d, "model.onnx") if opset <= 17 else os.path.join(d, "model.onnx"))) + "\n")
    print(d, flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    torch.set_num_threads(2)
    p.add_argument("--only", nargs="*", default=FAMILIES)
    a = p.parse_args()
    for name in a.only:
        for opset in OPSETS[name]:
            export(name, opset, a.out)
    if "vit" in a.only:
        export("vit", 18, a.out)
    if "convnext" in a.only:
        export("convnext", 18, a.out)
        export("convnext", 21, a.out)


if __name__ == "__main__":
    main()
