"""Dropout that draws one mask for a single example and applies it to every row of the batch."""
MODULE = "normalization"
EXERCISE = "week3.dropout"
HINT = "not one mask shared along an axis"
EXERCISE_SCORE = 5


def dropout_forward(x, p, train, rng):
    x = np.asarray(x, dtype=float)
    if not train:
        return x, None
    mask = (rng.random(x.shape[1:]) >= p) / (1.0 - p)  # bug: shared by the whole batch
    return x * mask, np.broadcast_to(mask, x.shape)
