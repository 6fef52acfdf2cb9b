"""Week 1, regression, entirely in float32: inputs are converted on entry and every
result is a float32 array (or a Python float computed in float32).

* ``polynomial_features`` is alternative_correct's float32 construction.
* ``least_squares`` and ``hat_matrix`` go through a float32 SVD, with the rank cut-off
  float32's own resolution gives (max(N, D)·eps₃₂·σ_max).
* ``ridge`` solves the normal equations (XᵀX + λI)β = Xᵀy by a float32 Cholesky
  factorisation.
* ``mse_loss`` / ``mse_grad`` are alternative_correct's float32 versions.
"""

import numpy as np

F32 = np.float32


def polynomial_features(X, degree):
    """[1, every monomial of total degree 1..degree] in scikit-learn's column order, float32."""
    X = np.asarray(X, dtype=F32)
    n, d = X.shape
    blocks = [np.ones((n, 1), dtype=F32)]
    if degree < 1:
        return blocks[0]
    # prev: the columns of the previous degree, in lexicographic order of their
    # nondecreasing index tuples; first[j] = first index of prev's j-th tuple.
    prev = X.copy()
    first = list(range(d))
    blocks.append(prev)
    for _ in range(2, degree + 1):
        cols, new_first = [], []
        for i in range(d):
            start = 0
            while start < len(first) and first[start] < i:
                start += 1
            tail = prev[:, start:]
            cols.append(X[:, i:i + 1] * tail)
            new_first.extend([i] * tail.shape[1])
        prev = np.concatenate(cols, axis=1) if cols else np.zeros((n, 0), F32)
        first = new_first
        blocks.append(prev)
    return np.concatenate(blocks, axis=1)


def _svd_rank(X):
    """(U, s, Vᵀ, r): the float32 thin SVD of X and its numerical rank."""
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    cutoff = s.max(initial=F32(0)) * F32(max(X.shape)) * np.finfo(F32).eps
    return U, s, Vt, int(np.count_nonzero(s > cutoff))


def least_squares(X, y):
    """Minimum-norm minimiser of ‖Xβ − y‖²: V_r Σ_r⁻¹ U_rᵀ y, in float32."""
    X = np.asarray(X, dtype=F32)
    y = np.asarray(y, dtype=F32)
    U, s, Vt, r = _svd_rank(X)
    return Vt[:r].T @ ((U[:, :r].T @ y) / s[:r])


def hat_matrix(X):
    """U_r U_rᵀ, the orthogonal projector onto the column space of X, in float32."""
    U, _, _, r = _svd_rank(np.asarray(X, dtype=F32))
    return U[:, :r] @ U[:, :r].T


def ridge(X, y, lam):
    """(XᵀX + λI)⁻¹Xᵀy by a float32 Cholesky factorisation."""
    X = np.asarray(X, dtype=F32)
    y = np.asarray(y, dtype=F32)
    A = X.T @ X + F32(lam) * np.eye(X.shape[1], dtype=F32)
    L = np.linalg.cholesky(A)
    z = np.linalg.solve(L, X.T @ y)
    return np.linalg.solve(L.T, z)


def mse_loss(beta, X, y):
    """mean((Xβ − y)²), computed in float32, as a Python float."""
    X = np.asarray(X, dtype=F32)
    r = X @ np.asarray(beta, dtype=F32) - np.asarray(y, dtype=F32)
    return float(np.dot(r, r) / F32(r.shape[0]))


def mse_grad(beta, X, y):
    """(2/N) Xᵀ(Xβ − y), computed in float32."""
    X = np.asarray(X, dtype=F32)
    r = X @ np.asarray(beta, dtype=F32) - np.asarray(y, dtype=F32)
    return (r @ X) * F32(2.0 / X.shape[0])
