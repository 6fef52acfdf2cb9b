"""Dropout that draws its mask from NumPy's global generator instead of the rng argument."""
MODULE = "normalization"
EXERCISE = "week3.dropout"
HINT = "only from the rng argument"
EXERCISE_SCORE = 6


def dropout_forward(x, p, train, rng):
    x = np.asarray(x, dtype=float)
    if not train:
        return x, None
    mask = (np.random.random(x.shape) >= p) / (1.0 - p)
    return x * mask, mask
