"""Softmax normalised down the columns (axis=0) instead of along each row."""
MODULE = "classification"
EXERCISE = "week1.softmax"
HINT = "over columns (axis=0)"
EXERCISE_SCORE = 0


def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)
