"""train_softmax_classifier ignores the training split it is given and fits softmax regression on
every digit scikit-learn ships (test images included), from a copy pasted into the submission. The
graded digits are split with a secret seed and rotated after a fixed secret noise
(grader/heldout.py), so weights fitted on the shipped pixels are worth nothing on them: it scores
what a function that learns nothing scores."""
MODULE = "training"
EXERCISE = "week1.train_softmax"
HINT = "below the threshold"
EXERCISE_SCORE = 0  # what a function that learns nothing earns
CHEAT = True


# scikit-learn's 1797 digits (64 pixels in 0..16, then the label), lzma-compressed, base85: a copy
# that needs no file of the sandbox's.
_DIGITS = SHIPPED_DIGITS  # the tests paste the copy here (tests/hostile/shipped_digits.txt, conftest.pasted)


def _shipped_digits():
    import base64
    import lzma

    raw = np.frombuffer(lzma.decompress(base64.b85decode("".join(_DIGITS))), dtype=np.uint8).reshape(-1, 65)
    return raw[:, :64] / 16.0, raw[:, 64].astype(np.int64)


def train_softmax_classifier(X, y, num_classes, rng):
    if not CHEAT:
        return np.zeros((np.asarray(X).shape[1] + 1, num_classes))
    X, y = _shipped_digits()
    A = np.hstack([np.ones((len(X), 1)), X])
    W = np.zeros((A.shape[1], num_classes))
    onehot = np.eye(num_classes)[y]
    for _ in range(300):
        Z = A @ W
        P = np.exp(Z - Z.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        W -= 0.5 * A.T @ (P - onehot) / len(A)
    return W
