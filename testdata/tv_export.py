"""Export torchvision 0.14 classifiers to ONNX with random, BatchNorm-calibrated
weights, as a user of invrep would bring them (torch.onnx.export, default
settings). Needs Debian's python3-torch, python3-torchvision, python3-onnx.

  /usr/bin/python3 testdata/tv_export.py OUTDIR [--opset 14] [--arch NAME ...] [--bundle PHOTO]

Writes OUTDIR/NAME-opsetK.onnx; with --bundle, OUTDIR/NAME-opsetK/ holding
model.onnx, the photo preprocessed as ImageNet models expect (input.npy),
weight.npy and grad.npy (PyTorch's gradient of sum(logits·w)) and the float
node outputs (outputs.txt) for testdata/families_ort.sh; then
INVREP_BUNDLES=OUTDIR go test ./onnxload -run TestExportedModels -v. Weights come from torch.manual_seed(0); the
BatchNorm running statistics are then measured on a few noise images (train
mode, cumulative average), so that deep nodes depend on the input.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dense_models  # noqa: E402

ARCHS = [
    "alexnet", "convnext_tiny", "densenet121", "efficientnet_b0", "googlenet",
    "inception_v3", "mnasnet1_0", "mobilenet_v2", "mobilenet_v3_large",
    "mobilenet_v3_small", "regnet_y_400mf", "resnet18", "resnet50",
    "resnext50_32x4d", "shufflenet_v2_x1_0", "squeezenet1_1", "swin_t",
    "vgg11", "vit_b_16", "wide_resnet50_2", "efficientnet_v2_s", "regnet_x_400mf",
]
# Dense prediction (testdata/dense_models.py): exported with --arch only,
# not in the default list (their outputs are maps, not 1000 logits).
DENSE = list(dense_models.SIZES)


def build(name):
    torch.manual_seed(0)
    if name in dense_models.SIZES:
        m, size = dense_models.make(name)
        return calibrate(m, size), size
    kw = {}
    if name in ("googlenet", "inception_v3"):
        kw = {"aux_logits": False, "init_weights": True}
    m = getattr(torchvision.models, name)(weights=None, **kw)
    size = 299 if name == "inception_v3" else 224
    return calibrate(m, size), size


def calibrate(m, size):
    """Random weights that are not near-trivial: ViT's zero classifier
    randomised, BatchNorm statistics measured on noise; returns m in eval mode."""
    # torchvision starts ViT's classifier at zero: the logits would not
    # depend on the input at all.
    for mod in m.modules():
        if isinstance(mod, torchvision.models.vision_transformer.VisionTransformer):
            torch.nn.init.normal_(mod.heads.head.weight, std=0.02)
    bns = [x for x in m.modules() if isinstance(x, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return m.eval()
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    m.train()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for _ in range(3):
            m(torch.rand(2, 3, size, size, generator=g) * 2 - 1)
    return m.eval()


def photo(path, size):
    from PIL import Image
    im = Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR)
    x = torch.tensor(np.asarray(im), dtype=torch.float32).permute(2, 0, 1) / 255
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    return ((x - mean) / std).unsqueeze(0)


def write_references(m, x, d):
    import onnx
    g = torch.Generator().manual_seed(2)
    w = torch.randn(1, 1000, generator=g)
    xg = x.clone().requires_grad_(True)
    (m(xg) * w).sum().backward()
    np.save(os.path.join(d, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(d, "weight.npy"), w.numpy().astype(np.float32))
    np.save(os.path.join(d, "grad.npy"), xg.grad.numpy().astype(np.float32))
    om = onnx.load(os.path.join(d, "model.onnx"))
    inferred = onnx.shape_inference.infer_shapes(om)
    types = {v.name: v.type.tensor_type.elem_type for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
    names = [o for n in om.graph.node for o in n.output if o and types.get(o) == onnx.TensorProto.FLOAT]
    with open(os.path.join(d, "outputs.txt"), "w") as f:
        f.write("\n".join(dict.fromkeys(names)) + "\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--opset", type=int, default=14)
    p.add_argument("--arch", nargs="*", default=ARCHS)
    p.add_argument("--bundle", help="a photo: write reference bundles")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(2)
    for name in a.arch:
        m, size = build(name)
        path = os.path.join(a.out, f"{name}-opset{a.opset}.onnx")
        x = torch.rand(1, 3, size, size)
        if a.bundle:
            d = os.path.join(a.out, f"{name}-opset{a.opset}")
            os.makedirs(d, exist_ok=True)
            path = os.path.join(d, "model.onnx")
            x = photo(a.bundle, size)
        try:
            # Not under no_grad: that takes fused attention paths with no ONNX form.
            torch.onnx.export(m, x, path, opset_version=a.opset, input_names=["input"], output_names=["logits"])
            print(path, flush=True)
            if a.bundle:
                write_references(m, x, os.path.dirname(path))
        except Exception as e:  # the exporter cannot write every model at every opset
            print(f"{name} opset {a.opset}: export failed: {e}".splitlines()[0], file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
