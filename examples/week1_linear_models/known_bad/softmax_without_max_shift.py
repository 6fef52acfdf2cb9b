"""Softmax that exponentiates the logits as they are, without subtracting each row's maximum: overflow for large logits."""
MODULE = "classification"
EXERCISE = "week1.softmax"
HINT = "each row's maximum before exponentiating"
EXERCISE_SCORE = 0


def softmax(Z):
    E = np.exp(np.asarray(Z, dtype=float))
    return E / E.sum(axis=-1, keepdims=True)
