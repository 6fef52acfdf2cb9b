"""Week 3, normalization: written independently of the reference solution.

* ``batchnorm_forward`` computes in float32, updates the running statistics *in place*
  (``state[key][...] = …``) and keeps x − μ and 1/σ in the cache; ``batchnorm_backward``
  follows the computational graph step by step (through the variance, then the mean)
  instead of the closed form.
* ``dropout_forward`` draws the kept elements with ``rng.binomial(1, 1 − p)`` and returns
  the boolean keep mask; ``dropout_backward`` applies it and the 1/(1 − p) scale.
"""

import numpy as np

DTYPE = np.float32


def batchnorm_forward(x, gamma, beta, state, train, momentum=0.1, eps=1e-5):
    x = np.asarray(x, dtype=DTYPE)
    gamma = np.asarray(gamma, dtype=DTYPE)
    beta = np.asarray(beta, dtype=DTYPE)
    if not train:
        std = np.sqrt(np.asarray(state["running_var"], dtype=DTYPE) + DTYPE(eps))
        return gamma * (x - np.asarray(state["running_mean"], dtype=DTYPE)) / std + beta, None
    n = x.shape[0]
    mu = x.sum(axis=0) / n
    xc = x - mu
    var = (xc * xc).sum(axis=0) / n
    inv_sigma = 1 / np.sqrt(var + DTYPE(eps))
    state["running_mean"][...] = (1 - momentum) * state["running_mean"] + momentum * mu
    state["running_var"][...] = (1 - momentum) * state["running_var"] + momentum * (xc * xc).sum(axis=0) / (n - 1)
    return gamma * xc * inv_sigma + beta, (xc, inv_sigma, gamma)


def batchnorm_backward(dout, cache):
    xc, inv_sigma, gamma = cache
    dout = np.asarray(dout, dtype=DTYPE)
    n = xc.shape[0]
    x_hat = xc * inv_sigma
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    # x̂ = xc · (var + eps)^(−1/2), var = Σ xc² / n, xc = x − μ
    dvar = (dx_hat * xc).sum(axis=0) * (-0.5) * inv_sigma ** 3
    dxc = dx_hat * inv_sigma + dvar * 2 * xc / n
    dx = dxc - dxc.sum(axis=0) / n
    return dx, dgamma, dbeta


def dropout_forward(x, p, train, rng):
    x = np.asarray(x, dtype=DTYPE)
    if not train:
        return x, None
    keep = rng.binomial(1, 1 - p, size=x.shape).astype(bool)
    return np.where(keep, x / DTYPE(1 - p), DTYPE(0)), keep


def dropout_backward(dout, mask, p):
    dout = np.asarray(dout, dtype=DTYPE)
    return np.where(mask, dout / DTYPE(1 - p), DTYPE(0))
