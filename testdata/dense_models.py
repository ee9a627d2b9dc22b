"""Dense-prediction networks for invrep-bench's dense cases, built from
torchvision 0.14 and PyTorch modules with random weights and BatchNorm
statistics calibrated on noise (tv_export.calibrate): segmentation heads
at 512-520 px, a U^2-Net-like network of dilated RSU blocks at 1024 px, and
the finest FPN level of a Faster R-CNN backbone at 800 px.

Each model returns one tensor (the segmenters' "out", the FPN's level
"0"), so that torch.onnx.export writes one output and torch_step.py can
hook the root module ("") as the node to invert.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class First(nn.Module):
    """A model whose output is a dict, reduced to one entry."""

    def __init__(self, m, key):
        super().__init__()
        self.m, self.key = m, key

    def forward(self, x):
        return self.m(x)[self.key]


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin, cout, dilation=1):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class RSU(nn.Module):
    """U^2-Net's residual U-block of the given height: an encoder of
    max-pools (ceil mode), a dilated bottom, a decoder of bilinear
    upsamplings and concatenations, and the input added back."""

    def __init__(self, height, cin, mid, cout):
        super().__init__()
        self.inp = ConvBNReLU(cin, cout)
        self.enc = nn.ModuleList([ConvBNReLU(cout, mid)] + [ConvBNReLU(mid, mid) for _ in range(height - 2)])
        self.bottom = ConvBNReLU(mid, mid, dilation=2)
        self.dec = nn.ModuleList([ConvBNReLU(2 * mid, mid) for _ in range(height - 2)] + [ConvBNReLU(2 * mid, cout)])

    def forward(self, x):
        x = self.inp(x)
        skips, h = [], x
        for i, conv in enumerate(self.enc):
            h = conv(h)
            skips.append(h)
            if i < len(self.enc) - 1:
                h = F.max_pool2d(h, 2, 2, ceil_mode=True)
        h = self.bottom(h)
        for i, conv in enumerate(self.dec):
            s = skips[-1 - i]
            if h.shape[-2:] != s.shape[-2:]:
                h = F.interpolate(h, size=s.shape[-2:], mode="bilinear", align_corners=False)
            h = conv(torch.cat([h, s], 1))
        return h + x


class U2NetLite(nn.Module):
    """A small U^2-Net: three RSU stages down, two up, a side output
    upsampled to the input (1024 px), as the background-removal networks
    users download are built."""

    def __init__(self):
        super().__init__()
        self.stage1 = RSU(5, 3, 16, 32)
        self.stage2 = RSU(4, 32, 16, 64)
        self.stage3 = RSU(3, 64, 32, 64)
        self.stage2d = RSU(4, 128, 16, 32)
        self.stage1d = RSU(5, 64, 16, 32)
        self.side = nn.Conv2d(32, 1, 3, padding=1)

    def forward(self, x):
        h1 = self.stage1(x)
        h2 = self.stage2(F.max_pool2d(h1, 2, 2, ceil_mode=True))
        h3 = self.stage3(F.max_pool2d(h2, 2, 2, ceil_mode=True))
        u3 = F.interpolate(h3, size=h2.shape[-2:], mode="bilinear", align_corners=False)
        d2 = self.stage2d(torch.cat([u3, h2], 1))
        u2 = F.interpolate(d2, size=h1.shape[-2:], mode="bilinear", align_corners=False)
        d1 = self.stage1d(torch.cat([u2, h1], 1))
        return self.side(d1)


SIZES = {
    "deeplabv3_mobilenet_v3_large": 520,
    "lraspp_mobilenet_v3_large": 520,
    "fcn_resnet50": 512,
    "u2net_lite": 1024,
    "fasterrcnn_fpn": 800,
}


def make(name):
    """The network (not yet calibrated) and its input size."""
    seg = torchvision.models.segmentation
    if name in ("deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large", "fcn_resnet50"):
        m = getattr(seg, name)(weights=None, weights_backbone=None)
        return First(m, "out"), SIZES[name]
    if name == "u2net_lite":
        return U2NetLite(), SIZES[name]
    if name == "fasterrcnn_fpn":
        det = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None)
        return First(det.backbone, "0"), SIZES[name]
    raise KeyError(name)
