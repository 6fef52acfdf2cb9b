"""Dropout that keeps each element with probability p (p taken as the keep probability)."""
MODULE = "normalization"
EXERCISE = "week3.dropout"
HINT = "probability of DROPPING"
EXERCISE_SCORE = 2


def dropout_forward(x, p, train, rng):
    x = np.asarray(x, dtype=float)
    if not train:
        return x, None
    mask = (rng.random(x.shape) < p) / (1.0 - p)
    return x * mask, mask
