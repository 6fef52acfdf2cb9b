"""Week 1, classification, entirely in float32 (alternative_correct's
float32 version). Choices that differ from the textbook versions:

* ``sigmoid`` uses σ(z) = (1 + tanh(z/2))/2 for z ≥ 0 (no exponential at all) and
  σ(z) = exp(−log(1 + e^{−z})) = exp(−logaddexp(0, −z)) for z < 0, which keeps full
  relative accuracy in the tail where the tanh form would cancel.
* ``logistic_loss`` writes the per-example loss as softplus(−t·s) with t = 2y − 1 ∈ {±1},
  and ``logistic_grad`` writes σ(s) − y as −t·σ(−t·s): no cancellation anywhere.
* ``softmax`` / ``softmax_cross_entropy`` work with log-probabilities
  Z − max − log Σ exp(Z − max) and exponentiate those.
* ``l1_penalty`` takes np.sign, which is 0 at 0.
"""

import numpy as np


def sigmoid(z):
    """σ(z) = 1/(1 + e^{−z}) elementwise, in float32, with no overflow for any z."""
    z = np.asarray(z, dtype=np.float32)
    upper = np.float32(0.5) * (np.float32(1.0) + np.tanh(np.float32(0.5) * z))
    lower = np.exp(-np.logaddexp(np.float32(0.0), -z))
    return np.asarray(np.where(z >= 0, upper, lower), dtype=np.float32)


def logistic_loss(w, X, y):
    """Mean binary cross-entropy of σ(Xw) for y ∈ {0, 1}, as a Python float (float32 math)."""
    s = np.asarray(X, dtype=np.float32) @ np.asarray(w, dtype=np.float32)
    t = np.float32(2.0) * np.asarray(y, dtype=np.float32) - np.float32(1.0)
    # −[y log σ(s) + (1−y) log σ(−s)] = log(1 + exp(−t s))
    per_example = np.logaddexp(np.float32(0.0), -t * s)
    return float(np.mean(per_example, dtype=np.float32))


def logistic_grad(w, X, y):
    """(1/N) Xᵀ(σ(Xw) − y), in float32."""
    X = np.asarray(X, dtype=np.float32)
    s = X @ np.asarray(w, dtype=np.float32)
    t = np.float32(2.0) * np.asarray(y, dtype=np.float32) - np.float32(1.0)
    # σ(s) − y = −t·σ(−t s), and σ(u) = exp(−log(1 + e^{−u}))
    resid = -t * np.exp(-np.logaddexp(np.float32(0.0), t * s))
    return (resid @ X) / np.float32(X.shape[0])


def softmax(Z):
    """Row-wise softmax (last axis), as exp(log-softmax), in float32."""
    Z = np.asarray(Z, dtype=np.float32)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return np.exp(shifted - log_norm)


def softmax_cross_entropy(Z, y):
    """(mean −log softmax(Z)[i, y_i], (softmax(Z) − onehot(y))/N), in float32."""
    Z = np.asarray(Z, dtype=np.float32)
    top = np.max(Z, axis=1, keepdims=True)
    logp = (Z - top) - np.log(np.sum(np.exp(Z - top), axis=1, keepdims=True))
    n = logp.shape[0]
    idx = np.asarray(y).astype(np.intp).reshape(n, 1)
    picked = np.take_along_axis(logp, idx, axis=1)
    loss = -float(np.mean(picked, dtype=np.float32))
    dZ = np.exp(logp)
    np.put_along_axis(dZ, idx, np.take_along_axis(dZ, idx, axis=1) - np.float32(1.0), axis=1)
    dZ /= np.float32(n)
    return loss, dZ


def l2_penalty(w, lam):
    """(λ Σ w², 2λw), in float32."""
    w = np.asarray(w, dtype=np.float32)
    lam32 = np.float32(lam)
    return float(lam32 * np.vdot(w, w)), (np.float32(2.0) * lam32) * w


def l1_penalty(w, lam):
    """(λ Σ |w|, λ·sign(w)) with subgradient 0 where w == 0, in float32."""
    w = np.asarray(w, dtype=np.float32)
    lam32 = np.float32(lam)
    return float(lam32 * np.abs(w).sum(dtype=np.float32)), lam32 * np.sign(w)
