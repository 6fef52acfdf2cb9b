"""Batch normalization that puts the biased batch variance (divided by N) into the running variance."""
MODULE = "normalization"
EXERCISE = "week3.batchnorm"
HINT = "the biased batch variance in the running variance"
EXERCISE_SCORE = 1

_correct_batchnorm_forward = batchnorm_forward


def batchnorm_forward(x, gamma, beta, state, train, momentum=0.1, eps=1e-5):
    out, cache = _correct_batchnorm_forward(x, gamma, beta, state, train, momentum, eps)
    if train:
        n = np.shape(x)[0]
        var = np.asarray(x, dtype=float).var(axis=0)
        # undo the correct update of the variance and redo it with the biased estimate
        old = (state["running_var"] - momentum * var * n / (n - 1)) / (1.0 - momentum)
        state["running_var"] = (1.0 - momentum) * old + momentum * var
    return out, cache
