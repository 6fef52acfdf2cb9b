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
    raise NotImplementedError("week3.augment")
