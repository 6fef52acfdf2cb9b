"""Batch normalization that normalises with the unbiased variance (ddof=1) instead of the batch's own."""
MODULE = "normalization"
EXERCISE = "week3.batchnorm"
HINT = "normalising with the unbiased variance"
EXERCISE_SCORE = 1


def batchnorm_forward(x, gamma, beta, state, train, momentum=0.1, eps=1e-5):
    x = np.asarray(x, dtype=float)
    if not train:
        x_hat = (x - state["running_mean"]) / np.sqrt(state["running_var"] + eps)
        return gamma * x_hat + beta, None
    mu = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)  # bug: the running variance's estimator, used for normalising
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    state["running_mean"] = (1.0 - momentum) * state["running_mean"] + momentum * mu
    state["running_var"] = (1.0 - momentum) * state["running_var"] + momentum * var
    return gamma * x_hat + beta, (x_hat, inv_std, np.asarray(gamma, dtype=float))
