"""Time one feature-visualisation step in PyTorch, as invrep visualize takes
it: SqueezeNet 1.1 (torchvision, random weights: timing only) truncated at
its last fire module (features.12, invrep's fire7), the image from pixels
through a sigmoid (or Lucid's 1/f spectrum with decorrelated colours), the
standard transforms (pad 12, jitter 8, scale 0.90-1.10, rotation -10..10
degrees by bilinear grid_sample, jitter 4, a random crop back to 224), the
objective minus channel 12's mean, Adam at 0.05. torch only.

  /usr/bin/python3 testdata/torch_featvis.py [--param pixel|fft] [--iters 30] [--threads 2]

Prints: RESULT ms_per_iter=... peak_rss_kb=...
"""
import argparse
import math
import random
import resource
import time

import torch
import torch.nn.functional as F
import torchvision

COLOR = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOR = COLOR / COLOR.norm(dim=0).max()
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--param", default="pixel")
    p.add_argument("--iters", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    random.seed(1)
    net = torchvision.models.squeezenet1_1().features[:13].eval()
    net.requires_grad_(False)
    h = w = 224
    if a.param == "fft":
        fy = torch.fft.fftfreq(h)[:, None]
        fx = torch.fft.rfftfreq(w)[None, :]
        scale = 1.0 / torch.maximum(torch.sqrt(fx * fx + fy * fy), torch.tensor(1.0 / max(h, w)))
        params = (torch.randn(1, 3, h, w // 2 + 1, 2) * 0.01).requires_grad_(True)
    else:
        params = (torch.randn(1, 3, h, w) * 0.01).requires_grad_(True)
    opt = torch.optim.Adam([params], lr=0.05)
    scales = [1 + (i - 5) / 50 for i in range(11)]
    angles = list(range(-10, 11)) + [0] * 5

    def image():
        if a.param == "fft":
            s = torch.view_as_complex(params) * scale
            x = torch.fft.irfftn(s, s=(h, w), norm="ortho") / 4
            x = torch.einsum("ij,njhw->nihw", COLOR, x)
        else:
            x = params
        return torch.sigmoid(x)

    def jitter(x, d):
        dy, dx = random.randint(0, d), random.randint(0, d)
        return x[:, :, dy:dy + x.shape[2] - d, dx:dx + x.shape[3] - d]

    def warp(x):
        s, t = random.choice(scales), math.radians(random.choice(angles))
        c, n = math.cos(t) / s, math.sin(t) / s
        theta = torch.tensor([[c, n, 0.0], [-n, c, 0.0]]).unsqueeze(0)
        grid = F.affine_grid(theta, x.shape, align_corners=True)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)

    times = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        x = image()
        x = F.pad(x, (12, 12, 12, 12), value=0.5)
        x = jitter(warp(jitter(x, 8)), 4)
        dy, dx = random.randint(0, x.shape[2] - h), random.randint(0, x.shape[3] - w)
        x = x[:, :, dy:dy + h, dx:dx + w]
        loss = -net((x - MEAN) / STD)[:, 12].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    times.sort()
    ms = 1000 * times[len(times) // 2]
    print(f"RESULT ms_per_iter={ms:.2f} peak_rss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)


if __name__ == "__main__":
    main()
