"""Classification: the sigmoid, logistic regression, softmax, cross-entropy, penalties."""

import numpy as np


def sigmoid(z):
    """σ(z) = 1 / (1 + exp(−z)), elementwise and overflow-free.

    ``exp(−z)`` overflows for z ≲ −710, so each side uses the form whose
    exponential is ``exp(−|z|) ≤ 1``: ``1 / (1 + e)`` for z ≥ 0 and ``e / (1 + e)``
    for z < 0. Then σ(1e4) is exactly 1.0 and σ(−1e4) exactly 0.0.

    Args:
        z: a scalar or an array of any shape.

    Returns:
        σ(z), an array of the same shape.
    """
    ### BEGIN SOLUTION week1.sigmoid
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def logistic_loss(w, X, y):
    """L(w) = (1/N) Σᵢ [log(1 + exp(sᵢ)) − yᵢ sᵢ] with s = Xw: mean binary cross-entropy.

    This is −(1/N) Σᵢ [yᵢ log σ(sᵢ) + (1 − yᵢ) log(1 − σ(sᵢ))] rewritten so that no
    logarithm of 0 and no overflow occur: ``np.logaddexp(0, s)`` = log(1 + eˢ) stays
    finite for scores of any size.

    Args:
        w: weights, shape (D,).
        X: inputs, shape (N, D).
        y: labels in {0, 1}, shape (N,).

    Returns:
        The loss as a Python float.
    """
    ### BEGIN SOLUTION week1.logistic
    s = X @ w
    return float(np.mean(np.logaddexp(0.0, s) - y * s))
    ### END SOLUTION


def logistic_grad(w, X, y):
    """∇L(w) = (1/N) Xᵀ(σ(Xw) − y): the exact gradient of ``logistic_loss``.

    Args:
        w: weights, shape (D,).
        X: inputs, shape (N, D).
        y: labels in {0, 1}, shape (N,).

    Returns:
        The gradient, shape (D,).
    """
    ### BEGIN SOLUTION week1.logistic
    # σ(s) written out here (not a call to sigmoid) so that this exercise stands alone;
    # only exp(−|s|) ≤ 1 is ever formed, so large scores cannot overflow.
    s = X @ w
    e = np.exp(-np.abs(s))
    p = np.where(s >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return X.T @ (p - y) / X.shape[0]
    ### END SOLUTION


def softmax(Z):
    """P_ik = exp(Z_ik − max_j Z_ij) / Σ_j exp(Z_ij − max_j Z_ij), row by row.

    Subtracting each row's maximum changes nothing mathematically (softmax is
    invariant to adding a constant to a row) but keeps every exponent ≤ 0, so logits
    as large as 1e4 do not overflow.

    Args:
        Z: logits, shape (N, K) (a single row of shape (K,) works too).

    Returns:
        Probabilities P of the same shape; each row sums to 1.
    """
    ### BEGIN SOLUTION week1.softmax
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)
    ### END SOLUTION


def softmax_cross_entropy(Z, y):
    """L = −(1/N) Σᵢ log softmax(Z)[i, yᵢ], and ∂L/∂Z = (softmax(Z) − onehot(y)) / N.

    The log-probabilities are computed as ``Z − logsumexp(Z)`` (with the row maximum
    shifted out), never as ``log(softmax(Z))``, which would give log(0) = −inf for a
    very confident wrong prediction.

    Args:
        Z: logits, shape (N, K).
        y: integer labels in [0, K), shape (N,).

    Returns:
        ``(loss, dZ)``: the mean loss as a Python float and its gradient with respect
        to Z, shape (N, K).
    """
    ### BEGIN SOLUTION week1.cross_entropy
    Z = np.asarray(Z, dtype=float)
    N = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(N)
    loss = -log_P[rows, y].mean()
    dZ = np.exp(log_P)
    dZ[rows, y] -= 1.0
    return float(loss), dZ / N
    ### END SOLUTION


def l2_penalty(w, lam):
    """R(w) = λ Σ w², with gradient 2λw (ridge / weight decay).

    Args:
        w: weights, any shape.
        lam: penalty strength λ ≥ 0.

    Returns:
        ``(value, grad)``: the penalty as a Python float and its gradient, shaped like w.
    """
    ### BEGIN SOLUTION week1.penalties
    return float(lam * np.sum(w**2)), 2.0 * lam * w
    ### END SOLUTION


def l1_penalty(w, lam):
    """R(w) = λ Σ |w|, with subgradient λ·sign(w) (lasso).

    |w| has no derivative at 0; any value in [−λ, λ] is a subgradient there, and
    this function uses 0 (which is what ``np.sign(0)`` gives).

    Args:
        w: weights, any shape.
        lam: penalty strength λ ≥ 0.

    Returns:
        ``(value, subgrad)``: the penalty as a Python float and a subgradient, shaped like w.
    """
    ### BEGIN SOLUTION week1.penalties
    return float(lam * np.sum(np.abs(w))), lam * np.sign(w)
    ### END SOLUTION
