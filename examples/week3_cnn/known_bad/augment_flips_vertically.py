"""Augmentation that flips the images upside down (along H) instead of left–right (along W)."""
MODULE = "augment"
EXERCISE = "week3.augment"
HINT = "VERTICAL flip"
EXERCISE_SCORE = 1


def random_flip_crop(images, pad, rng):
    images = np.asarray(images)
    N, C, H, W = images.shape
    flip = rng.random(N) < 0.5
    offsets = rng.integers(0, 2 * pad + 1, size=(N, 2))
    source = np.where(flip[:, None, None, None], images[:, :, ::-1, :], images)
    padded = np.pad(source, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return np.stack([padded[n, :, dy:dy + H, dx:dx + W] for n, (dy, dx) in enumerate(offsets)])
