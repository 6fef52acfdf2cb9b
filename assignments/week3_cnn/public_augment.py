"""Public checks for augment.py: random_flip_crop judged on structure and statistics,
never on one random stream.

Structure: the grader lists, for every input image, all 2·(2·pad + 1)² images a flip
and a crop can make of it, and finds which one each output equals. The images hold
random values away from 0, so that exactly one candidate matches. Statistics: the
flips and the offsets found must be distributed as the contract says (a flip with
probability 1/2, dy and dx uniform over {0, …, 2·pad}), within a number of standard
errors set in the rubric, so that a correct implementation fails with negligible
probability whatever way it draws from the generator.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.compare import as_array, assert_finite
from grader.oracles import proportion_bound
from grader.registry import CheckFailed, check, load_rubric

RUBRIC = load_rubric(__file__)["augment"]


def image_batch(n, c, h, w, seed):
    """Images with values in [0.1, 1]: no accidental zeros, no two candidates alike."""
    return np.random.default_rng(seed).uniform(0.1, 1.0, size=(n, c, h, w))


def views(images, pad, flip_axis=-1, mode="constant"):
    """Every image a flip (along `flip_axis`) and a crop of the padded image can make:
    shape (N, 2, 2·pad + 1, 2·pad + 1, C, H, W), indexed [n, flipped, dy, dx]."""
    H, W = images.shape[2:]
    both = np.stack([images, np.flip(images, axis=flip_axis)], axis=1)
    padded = np.pad(both, ((0, 0), (0, 0), (0, 0), (pad, pad), (pad, pad)), mode=mode)
    return np.moveaxis(sliding_window_view(padded, (H, W), axis=(3, 4)), 2, 4)


def rolled(images, pad):
    """The same candidates made with np.roll (pixels wrapping around instead of zeros coming in)."""
    both = np.stack([images, images[..., ::-1]], axis=1)
    P = 2 * pad + 1
    return np.stack([np.stack([np.roll(both, (pad - dy, pad - dx), axis=(3, 4)) for dx in range(P)], axis=2)
                     for dy in range(P)], axis=2)


def match(out, cands, atol):
    """For each image, (flipped, dy, dx) of the first candidate equal to its output, or -1s."""
    err = np.abs(cands - out[:, None, None, None]).max(axis=(4, 5, 6))  # (N, 2, P, P)
    ok = err <= atol
    found = ok.reshape(len(out), -1).any(axis=1)
    first = ok.reshape(len(out), -1).argmax(axis=1)
    idx = np.array(np.unravel_index(first, ok.shape[1:])).T
    idx[~found] = -1
    return idx


def identify(out, images, pad, chunk=256):
    """(N, 3) array of (flipped, dy, dx) per image, −1 where the output is no flip-and-crop of its input."""
    atol = RUBRIC["atol"] * max(1.0, float(np.abs(images).max()))
    return np.concatenate([match(out[i:i + chunk], views(images[i:i + chunk], pad), atol)
                           for i in range(0, len(images), chunk)])


def why_no_match(out, image, pad):
    """A sentence on what an output that is no flip-and-crop of its input is instead, if a known mistake."""
    atol = RUBRIC["atol"] * max(1.0, float(np.abs(image).max()))
    one, img = out[None], image[None]
    families = [
        (views(img, pad, flip_axis=-2), "It is a VERTICAL flip (rows reversed) and a crop: flip horizontally, "
                                        "along the last axis (W), images[..., ::-1]."),
        (views(img[..., ::-1, :], pad), "It is a flip along both axes and a crop: flip along W only."),
        (views(img, pad, mode="edge"), "It is a crop of the image padded with copies of its edge pixels: pad with "
                                       "zeros (np.pad's default mode, 'constant')."),
        (views(img, pad, mode="reflect"), "It is a crop of the image padded by reflection: pad with zeros."),
        (rolled(img, pad), "It is the image shifted with np.roll, which wraps pixels around to the other side: pad "
                           "with zeros and crop instead, so that zeros come in at the edge."),
    ]
    for cands, sentence in families:
        if (match(one, cands, atol) >= 0).all():
            return " " + sentence
    return ""


def augment(sub, images, pad, rng, what=None):
    """The student's random_flip_crop(images, pad, rng) as a float64 array of the input's shape."""
    what = what or f"random_flip_crop(images, pad={pad}, rng) for images of shape {images.shape}"
    got = as_array(sub.augment.random_flip_crop(images, pad, rng), f"the result of {what}")
    N, C, H, W = images.shape
    if got.shape != images.shape:
        msg = f"the result of {what} has shape {got.shape}, expected {images.shape}"
        if got.shape == (N, C, H + 2 * pad, W + 2 * pad):
            msg += ": that is the padded size; crop an H×W window out of each padded image"
        raise CheckFailed(msg)
    assert_finite(got, f"the result of {what}")
    return got


def assert_flips_and_crops(got, images, pad, what):
    """Every output must be a flip and a crop of its own input; returns (flipped, dy, dx) per image."""
    found = identify(got, images, pad)
    bad = np.flatnonzero(found[:, 0] < 0)
    if bad.size:
        n = int(bad[0])
        same_as_other = [m for m in range(min(len(images), 200)) if m != n and
                         (identify(got[n:n + 1], images[m:m + 1], pad) >= 0).all()]
        if same_as_other:
            extra = (f" It is a flip and crop of image {same_as_other[0]} instead: augment each image on its own, "
                     "in place in the batch.")
        else:
            extra = why_no_match(got[n], images[n], pad)
        raise CheckFailed(f"in {what}, output image {n} is not its input flipped (or not) and cropped out of the "
                          f"zero-padded image at any offset (dy, dx) in [0, {2 * pad}]² (outputs that are not: {bad.size} "
                          f"of {len(images)}).{extra}")
    return found


def unlikely(count, n, prob, sigmas):
    """Whether `count` of `n` draws lies more than `sigmas` binomial standard errors from n·prob."""
    return abs(count / n - prob) > proportion_bound(prob, n, sigmas)


def assert_distribution(found, pad, what):
    """Flips with probability 1/2; dy and dx each uniform over {0, …, 2·pad}; each within the
    rubric's number of standard errors. Named failures: always the centre, never 2·pad, dy = dx."""
    sigmas = RUBRIC["sigmas"]
    n = len(found)
    flips, dy, dx = found.T
    k = int(flips.sum())
    if unlikely(k, n, 0.5, sigmas):
        kind = " (never)" if k == 0 else " (always)" if k == n else ""
        raise CheckFailed(f"{what} flipped {k} of {n} images{kind}, expected each with probability 1/2 "
                          f"(about {n // 2} ± {n * proportion_bound(0.5, n, sigmas):.0f}).")
    if pad == 0:
        return
    P = 2 * pad + 1
    if np.all(dy == pad) and np.all(dx == pad):
        raise CheckFailed(f"{what} cropped every image at the centre (dy = dx = pad = {pad}): the offsets must be "
                          f"random, uniform over 0, 1, …, {2 * pad} (rng.integers(0, 2 * pad + 1)).")
    for name, values in (("dy", dy), ("dx", dx)):
        counts = np.bincount(values, minlength=P)
        for offset, count in enumerate(counts):
            if unlikely(count, n, 1 / P, sigmas):
                msg = (f"{what}: the offset {name} was {offset} for {count} of {n} images, expected about "
                       f"{n / P:.0f} (uniform over 0 … {2 * pad}).")
                if counts[-1] == 0 and counts[:-1].min() > 0:
                    msg += (f" It never reached {2 * pad}: rng.integers(low, high) excludes high, so draw with "
                            f"rng.integers(0, 2 * pad + 1).")
                raise CheckFailed(msg)
    if np.all(dy == dx):
        raise CheckFailed(f"{what} used the same offset for rows and columns (dy = dx) in every image: draw dy and dx "
                          "independently.")


@check("week3.augment", points=2)
def every_output_is_a_flip_and_crop(sub, ref):
    """Check that each output image is its own input, flipped or not, cropped out of the zero-padded image."""
    images = image_batch(40, 3, 6, 7, seed=200)
    what = "random_flip_crop(images, pad=2, rng) for images of shape (40, 3, 6, 7)"
    assert_flips_and_crops(augment(sub, images, 2, sub.rng(201)), images, 2, what)


@check("week3.augment", points=2)
def flips_and_offsets_are_uniform(sub, ref):
    """Check that about half of 1500 images are flipped and each offset dy, dx in [0, 2·pad] is equally frequent."""
    images = image_batch(1500, 1, 5, 6, seed=210)
    what = "random_flip_crop(images, pad=2, rng) for images of shape (1500, 1, 5, 6)"
    found = assert_flips_and_crops(augment(sub, images, 2, sub.rng(211)), images, 2, what)
    assert_distribution(found, 2, what)
