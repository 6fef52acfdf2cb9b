"""Augmentation whose offsets come from rng.integers(0, 2 * pad), which never returns 2·pad."""
MODULE = "augment"
EXERCISE = "week3.augment"
HINT = "rng.integers(low, high) excludes high"
EXERCISE_SCORE = 4


def random_flip_crop(images, pad, rng):
    images = np.asarray(images)
    N, C, H, W = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.empty_like(images)
    for n in range(N):
        dy, dx = rng.integers(0, max(2 * pad, 1), size=2)
        crop = padded[n, :, dy:dy + H, dx:dx + W]
        out[n] = crop[..., ::-1] if rng.random() < 0.5 else crop
    return out
