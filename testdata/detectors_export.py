#!/usr/bin/env python3
"""torchvision detectors as users export them (torch.onnx.export, opset
11, one unbatched image [3,H,W]), random weights, for docs/models.md:
invrep lists every node, builds the backbone and feature pyramid (not the
head's NonMaxSuppression, TopK, NonZero), matches onnxruntime there and
inverts from a photo. testdata/detectors.sh runs the comparison.

  /usr/bin/python3 testdata/detectors_export.py OUTDIR NAME...
"""
import os
import sys

import torch
import torchvision

if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name in sys.argv[2:]:
        torch.manual_seed(0)
        kw = {"weights": None, "weights_backbone": None}
        if not name.startswith("ssdlite"):
            kw["num_classes"] = 91
        m = getattr(torchvision.models.detection, name)(**kw).eval()
        size = 320 if "320" in name else 512
        torch.onnx.export(m, ([torch.rand(3, size, size)],), os.path.join(out, name + ".onnx"), opset_version=11,
                          input_names=["image"])
        print(name, flush=True)
