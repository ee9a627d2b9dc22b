"""Time one inversion step in PyTorch on a torchvision model truncated at a
module: forward to the module, the feature loss plus the paper's TV and
alpha-norm priors, backward to the input, and a momentum update. The
weights are those of testdata/tv_export.py (same seed and BatchNorm
calibration), so invrep-bench runs the same network on both sides.

  /usr/bin/python3 testdata/torch_step.py --arch convnext_tiny --module features.5 [--iters 20] [--threads 2]

Prints: RESULT ms_per_iter=... peak_rss_kb=...
"""
import argparse
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from tv_export import build  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", required=True)
    p.add_argument("--module", required=True)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    m, size = build(a.arch)
    m.requires_grad_(False)
    feats = {}
    target = dict(m.named_modules())[a.module]
    target.register_forward_hook(lambda mod, i, o: feats.__setitem__("y", o))

    class Stop(Exception):
        pass

    def phi(x):
        def stop(mod, i, o):
            raise Stop
        h = target.register_forward_hook(stop)
        try:
            m(x)
        except Stop:
            pass
        h.remove()
        return feats["y"]

    g = torch.Generator().manual_seed(3)
    x0 = torch.rand(1, 3, size, size, generator=g)
    with torch.no_grad():
        y0 = phi(x0)
    x = (torch.randn(1, 3, size, size, generator=g) * 0.1).requires_grad_(True)
    v = torch.zeros_like(x)
    norm0 = (y0 ** 2).sum()
    times = []
    for it in range(a.iters):
        t0 = time.perf_counter()
        y = phi(x)
        loss = ((y - y0) ** 2).sum() / norm0
        dx = x[:, :, :, 1:] - x[:, :, :, :-1]
        dy = x[:, :, 1:, :] - x[:, :, :-1, :]
        loss = loss + 1e-3 * ((dx[:, :, :-1, :] ** 2 + dy[:, :, :, :-1] ** 2).sum()) + 1e-6 * (x ** 6).sum()
        gx, = torch.autograd.grad(loss, x)
        with torch.no_grad():
            v.mul_(0.9).add_(gx, alpha=-0.01)
            x.add_(v)
        times.append(time.perf_counter() - t0)
    times.sort()
    ms = 1000 * times[len(times) // 2]
    print(f"RESULT ms_per_iter={ms:.2f} peak_rss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)


if __name__ == "__main__":
    main()
