#!/usr/bin/env python3
"""Reference values for graph/fidelity's tests: PSNR and SSIM by
scikit-image (Debian's python3-skimage), on six photo/reconstruction pairs
made from the shared photos (a crop of each, against a noisy, a blurred, a
shifted, a quantised, a colour-shifted and an unrelated version), written
as PNGs beside values.json. SSIM as the papers report it:
structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255), on RGB (the mean over the
channels) and on BT.601 luminance.

  /usr/bin/python3 testdata/fidelity.py
"""
import json
import os
import sys

import numpy as np
from PIL import Image, ImageFilter
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "fidelity")
shared = os.path.join(here, "..", "..", "shared", "images")
rng = np.random.default_rng(30)


def crop(name, w=80, h=64):
    im = Image.open(os.path.join(shared, name)).convert("RGB")
    im = im.resize((w * 2, h * 2), Image.BILINEAR)
    return np.asarray(im, np.uint8)[h // 2:h // 2 + h, w // 2:w // 2 + w]


def luma(a):
    a = a.astype(np.float64)
    return 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]


ref = {"chelsea": crop("chelsea.png"), "coffee": crop("coffee.png"), "astronaut": crop("astronaut.png")}
pairs = [
    ("chelsea", np.clip(ref["chelsea"] + rng.normal(0, 12, ref["chelsea"].shape), 0, 255).astype(np.uint8)),
    ("chelsea", np.asarray(Image.fromarray(ref["chelsea"]).filter(ImageFilter.GaussianBlur(2)))),
    ("coffee", np.roll(ref["coffee"], (2, 3), axis=(0, 1))),
    ("coffee", (ref["coffee"] // 32 * 32 + 16).astype(np.uint8)),
    ("astronaut", np.clip(ref["astronaut"].astype(int) + [30, -20, 10], 0, 255).astype(np.uint8)),
    ("astronaut", ref["coffee"]),
]
values = []
for k, (name, img) in enumerate(pairs):
    r = ref[name]
    Image.fromarray(r).save(os.path.join(out, f"pair{k}_ref.png"))
    Image.fromarray(img).save(os.path.join(out, f"pair{k}_img.png"))
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    values.append({
        "pair": k,
        "psnr": float(peak_signal_noise_ratio(r, img, data_range=255)),
        "ssim_rgb": float(structural_similarity(r.astype(np.float64), img.astype(np.float64), channel_axis=2, **kw)),
        "ssim_luma": float(structural_similarity(luma(r), luma(img), **kw)),
    })
json.dump(values, open(os.path.join(out, "values.json"), "w"), indent=1)
print(json.dumps(values, indent=1))
