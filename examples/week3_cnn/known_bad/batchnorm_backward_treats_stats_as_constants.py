"""Batch normalization backward that ignores how the batch mean and variance depend on x."""
MODULE = "normalization"
EXERCISE = "week3.batchnorm"
HINT = "treating the batch mean and variance as constants"
EXERCISE_SCORE = 6


def batchnorm_backward(dout, cache):
    x_hat, inv_std, gamma = cache
    dout = np.asarray(dout, dtype=float)
    return dout * gamma * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
