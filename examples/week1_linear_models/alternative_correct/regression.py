"""Week 1, regression: written independently of the reference solution.

Choices that differ from the textbook versions:

* ``polynomial_features`` works in float32 and builds each degree block from the
  previous one with explicit Python loops (no itertools).
* ``least_squares`` uses a complete orthogonal decomposition (column-pivoted QR,
  then a QR of the trapezoidal factor), the method of LAPACK's ``gelsy``.
* ``hat_matrix`` is Q_r Q_rᵀ from a column-pivoted QR with a rank cutoff.
* ``ridge`` solves the augmented least-squares problem [X; √λ I] β ≈ [y; 0] by QR.
* ``mse_loss`` / ``mse_grad`` compute in float32.

NumPy only (week 1's rubric): the column-pivoted QR (Householder reflections, Businger–Golub
pivoting) and the triangular solves are written here, not taken from SciPy.
"""

import numpy as np


def _qr_pivoted(A):
    """A[:, piv] = Q R with Q (m×k) orthonormal, R (k×n) upper triangular, k = min(m, n), and
    |R_00| ≥ |R_11| ≥ …: Householder reflections, each step bringing forward the remaining
    column of largest norm."""
    R = np.array(A, dtype=np.float64)
    m, n = R.shape
    k = min(m, n)
    piv = np.arange(n)
    reflections = []
    for j in range(k):
        p = j + int(np.argmax((R[j:, j:] ** 2).sum(axis=0)))
        R[:, [j, p]], piv[[j, p]] = R[:, [p, j]], piv[[p, j]]
        v = R[j:, j].copy()
        norm = np.linalg.norm(v)
        v[0] += norm if v[0] >= 0 else -norm  # reflect x onto −sign(x_0)·‖x‖·e_0: no cancellation
        vnorm = np.linalg.norm(v)
        if vnorm > 0:
            v /= vnorm
            R[j:, j:] -= 2.0 * np.outer(v, v @ R[j:, j:])
        reflections.append(v)
    Q = np.eye(m)[:, :k]
    for j in reversed(range(k)):
        v = reflections[j]
        Q[j:, :] -= 2.0 * np.outer(v, v @ Q[j:, :])
    return Q, np.triu(R[:k, :]), piv


def _solve_upper(U, b):
    """x with U x = b, U upper triangular: back substitution (b may have several columns)."""
    x = np.zeros((U.shape[1],) + b.shape[1:])
    for i in reversed(range(U.shape[0])):
        x[i] = (b[i] - U[i, i + 1:] @ x[i + 1:]) / U[i, i]
    return x


def _solve_lower(L, b):
    """x with L x = b, L lower triangular: forward substitution."""
    x = np.zeros((L.shape[1],) + b.shape[1:])
    for i in range(L.shape[0]):
        x[i] = (b[i] - L[i, :i] @ x[:i]) / L[i, i]
    return x


def polynomial_features(X, degree):
    """[1, every monomial of total degree 1..degree] in scikit-learn's column order, float32."""
    X = np.asarray(X, dtype=np.float32)
    n, d = X.shape
    blocks = [np.ones((n, 1), dtype=np.float32)]
    if degree < 1:
        return blocks[0]
    # prev: columns of the previous degree, in lexicographic order of their
    # nondecreasing index tuples; first[j] = first index of prev's j-th tuple.
    prev = X.copy()
    first = list(range(d))
    blocks.append(prev)
    k = 2
    while k <= degree:
        cols, new_first = [], []
        for i in range(d):
            # tuples (i, rest...) with rest starting at an index >= i: since prev is
            # in lexicographic order, those form a suffix of prev.
            start = 0
            while start < len(first) and first[start] < i:
                start += 1
            tail = prev[:, start:]
            cols.append(X[:, i:i + 1] * tail)
            new_first.extend([i] * tail.shape[1])
        prev = np.concatenate(cols, axis=1) if cols else np.zeros((n, 0), np.float32)
        first = new_first
        blocks.append(prev)
        k += 1
    return np.concatenate(blocks, axis=1)


def least_squares(X, y):
    """Minimum-norm minimiser of ‖Xβ − y‖² via a complete orthogonal decomposition."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    d = X.shape[1]
    Q, R, piv = _qr_pivoted(X)
    diag = np.abs(np.diag(R))
    # numerical rank: |R_kk| above max(N, D)·eps·|R_00| (column pivoting sorts |R_kk|)
    r = 0 if diag.size == 0 else int(np.count_nonzero(diag > max(X.shape) * np.finfo(float).eps * diag[0]))
    beta_perm = np.zeros((d,) + y.shape[1:], dtype=np.float64)
    if r > 0:
        # X P = Q_r [R11 R12] = Q_r T (Z)ᵀ with [R11 R12]ᵀ = Z T  (Z: d×r, T: r×r upper).
        Z, T = np.linalg.qr(R[:r, :].T)
        c = Q[:, :r].T @ y
        # minimum-norm solution: β_P = Z (Tᵀ)⁻¹ Q_rᵀ y
        u = _solve_lower(T.T, c)
        beta_perm = Z @ u
    beta = np.empty_like(beta_perm)
    beta[piv] = beta_perm
    return beta


def hat_matrix(X):
    """Orthogonal projector onto col(X): Q_r Q_rᵀ from a column-pivoted QR."""
    X = np.asarray(X, dtype=np.float64)
    Q, R, _ = _qr_pivoted(X)
    rdiag = np.abs(R.diagonal())
    if rdiag.size == 0 or rdiag[0] == 0.0:
        return np.zeros((X.shape[0], X.shape[0]))
    rank = int(np.sum(rdiag > rdiag[0] * np.finfo(np.float64).eps * max(X.shape)))
    Qr = Q[:, :rank]
    return Qr @ Qr.T


def ridge(X, y, lam):
    """(XᵀX + λI)⁻¹Xᵀy, computed as the least-squares solution of [X; √λ I] β ≈ [y; 0]."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    A = np.vstack([X, np.sqrt(lam) * np.eye(d)])
    b = np.concatenate([y, np.zeros((d,) + y.shape[1:])], axis=0)
    Q, R = np.linalg.qr(A)          # A has full column rank for λ > 0
    return _solve_upper(R, Q.T @ b)


def mse_loss(beta, X, y):
    """mean((Xβ − y)²), computed in float32, as a Python float."""
    X = np.asarray(X, dtype=np.float32)
    r = X @ np.asarray(beta, dtype=np.float32) - np.asarray(y, dtype=np.float32)
    return float(np.dot(r, r) / np.float32(r.shape[0]))


def mse_grad(beta, X, y):
    """(2/N) Xᵀ(Xβ − y), computed in float32."""
    X = np.asarray(X, dtype=np.float32)
    r = X @ np.asarray(beta, dtype=np.float32) - np.asarray(y, dtype=np.float32)
    return (r @ X) * np.float32(2.0 / X.shape[0])
