"""Data augmentation: random horizontal flips and random crops of zero-padded images."""

import numpy as np


def random_flip_crop(images, pad, rng):
    """Each image flipped left–right with probability 1/2, zero-padded by ``pad``, cropped back.

    For every image independently: flip it horizontally (reverse the W axis) with
    probability 1/2; add ``pad`` zeros on each side of H and W; cut out the H×W window
    whose top-left corner is at (dy, dx), with dy and dx drawn independently and
    uniformly from {0, 1, …, 2·pad}. (dy, dx) = (pad, pad) gives back the (flipped) image
    itself; every other offset shifts it and brings in zeros at one edge.

    Args:
        images: a batch, shape (N, C, H, W).
        pad: the largest shift in pixels, an integer ≥ 0.
        rng: a ``numpy.random.Generator``, the only source of randomness.

    Returns:
        The augmented batch, shape (N, C, H, W).
    """
    ### BEGIN SOLUTION week3.augment
    images = np.asarray(images)
    N, C, H, W = images.shape
    flip = rng.random(N) < 0.5
    offsets = rng.integers(0, 2 * pad + 1, size=(N, 2))  # the upper bound is exclusive
    source = np.where(flip[:, None, None, None], images[..., ::-1], images)
    padded = np.pad(source, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.empty_like(images)
    for n, (dy, dx) in enumerate(offsets):
        out[n] = padded[n, :, dy : dy + H, dx : dx + W]
    return out
    ### END SOLUTION
