"""Dropout that zeroes elements but does not scale the kept ones by 1/(1 − p)."""
MODULE = "normalization"
EXERCISE = "week3.dropout"
HINT = "not scaled by 1/(1 − p)"
EXERCISE_SCORE = 3


def dropout_forward(x, p, train, rng):
    x = np.asarray(x, dtype=float)
    if not train:
        return x, None
    mask = rng.random(x.shape) >= p
    return x * mask, mask


def dropout_backward(dout, mask, p):
    return np.asarray(dout, dtype=float) * mask
