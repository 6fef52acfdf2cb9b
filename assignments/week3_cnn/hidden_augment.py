"""Hidden checks for augment.py: the joint distribution of (flip, dy, dx) over 3000
images (independence included), randomness only from the generator, pad = 0, a
single image, non-square multi-channel float32 images, and an input batch left
unchanged."""

import numpy as np
from scipy.stats import chi2

from grader.compare import as_array
from grader.oracles import false_alarm_of
from grader.registry import CheckFailed, check

from .public_augment import RUBRIC, assert_distribution, assert_flips_and_crops, augment, image_batch


@check("week3.augment", points=2)
def flips_and_offsets_are_independent(sub, ref):
    """Check that flip, dy and dx are independent and uniform: every one of the 18 combinations (pad = 1) about equally frequent over 3000 images."""
    images = image_batch(3000, 1, 4, 5, seed=220)
    what = "random_flip_crop(images, pad=1, rng) for images of shape (3000, 1, 4, 5)"
    found = assert_flips_and_crops(augment(sub, images, 1, sub.rng(221)), images, 1, what)
    assert_distribution(found, 1, what)
    cells = np.ravel_multi_index(found.T, (2, 3, 3))
    counts = np.bincount(cells, minlength=18)
    expected = len(found) / 18
    statistic = float(((counts - expected) ** 2 / expected).sum())
    # The false-alarm probability of a two-sided `sigmas` test, for the chi-square test too.
    p_value = chi2.sf(statistic, df=17)
    if p_value < false_alarm_of(RUBRIC["sigmas"]):
        flip, dy, dx = np.unravel_index(int(np.argmax(np.abs(counts - expected))), (2, 3, 3))
        raise CheckFailed(f"{what}: the combinations (flipped, dy, dx) are not equally frequent (chi-square {statistic:.0f} "
                          f"on 17 degrees of freedom, p = {p_value:.1e}); e.g. flipped={bool(flip)}, dy={dy}, dx={dx} "
                          f"occurred {counts[flip * 9 + dy * 3 + dx]} times, expected about {expected:.0f}. Draw the flip "
                          "and the two offsets independently, for each image.")


@check("week3.augment", points=1)
def randomness_from_rng_only(sub, ref):
    """Check that the same seed gives the same augmentation, and the next call on the same generator another one."""
    images = image_batch(30, 2, 5, 5, seed=230)
    what = "random_flip_crop(images, pad=2, rng)"
    first = augment(sub, images, 2, sub.rng(231))
    if not np.array_equal(first, augment(sub, images, 2, sub.rng(231))):
        raise CheckFailed(f"two calls of {what} with generators of the same seed gave different results: draw the "
                          "randomness only from the rng argument (not from np.random or the clock).")
    rng = sub.rng(232)
    if np.array_equal(augment(sub, images, 2, rng), augment(sub, images, 2, rng)):
        raise CheckFailed(f"two consecutive calls of {what} with the same generator gave the same result: draw fresh "
                          "flips and offsets at every call.")


@check("week3.augment", points=1)
def edge_cases_and_input_untouched(sub, ref):
    """Check that pad = 0 (flips only), a single image and non-square float32 images with 3 channels work, and that the input batch is left unchanged."""
    images = image_batch(200, 2, 4, 6, seed=240)
    what = "random_flip_crop(images, pad=0, rng) for images of shape (200, 2, 4, 6)"
    found = assert_flips_and_crops(augment(sub, images, 0, sub.rng(241), what), images, 0, what)
    assert_distribution(found, 0, what)
    one = image_batch(1, 3, 5, 5, seed=242)
    assert_flips_and_crops(augment(sub, one, 2, sub.rng(243)), one, 2, "random_flip_crop on a batch of 1 image")
    images = image_batch(60, 3, 7, 4, seed=244).astype(np.float32)
    what = "random_flip_crop(images, pad=3, rng) for float32 images of shape (60, 3, 7, 4)"
    stored = sub.store(images)
    got = as_array(sub.augment.random_flip_crop(stored, 3, sub.rng(245)), f"the result of {what}", shape=images.shape)
    assert_flips_and_crops(got, images.astype(np.float64), 3, what)
    if not np.array_equal(as_array(stored.fetch(), "the input batch"), images):
        raise CheckFailed(f"{what} changed its input batch: work on a copy (np.pad and slicing make new arrays; "
                          "flipping in place does not).")
