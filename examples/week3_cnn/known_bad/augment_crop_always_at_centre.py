"""Augmentation that flips at random but always crops at the centre, so nothing is ever shifted."""
MODULE = "augment"
EXERCISE = "week3.augment"
HINT = "cropped every image at the centre"
EXERCISE_SCORE = 4


def random_flip_crop(images, pad, rng):
    images = np.asarray(images)
    H, W = images.shape[2:]
    flip = rng.random(len(images)) < 0.5
    out = np.where(flip[:, None, None, None], images[..., ::-1], images)
    padded = np.pad(out, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return padded[:, :, pad:pad + H, pad:pad + W]
