"""Augmentation that shifts the images with np.roll, so pixels pushed out at one edge come back at the other."""
MODULE = "augment"
EXERCISE = "week3.augment"
HINT = "np.roll"
EXERCISE_SCORE = 1


def random_flip_crop(images, pad, rng):
    images = np.asarray(images)
    out = np.empty_like(images)
    for n, image in enumerate(images):
        if rng.random() < 0.5:
            image = image[..., ::-1]
        dy, dx = rng.integers(-pad, pad + 1, size=2)
        out[n] = np.roll(image, (dy, dx), axis=(1, 2))
    return out
