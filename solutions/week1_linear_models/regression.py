"""Linear regression: polynomial features, least squares, the hat matrix, ridge, MSE."""

from itertools import combinations_with_replacement

import numpy as np


def polynomial_features(X, degree):
    """Φ(X) = [1, x₁, …, x_D, x₁², x₁x₂, …, x_D^degree]: every monomial of total degree ≤ degree.

    The columns come in the order of scikit-learn's
    ``PolynomialFeatures(degree, include_bias=True)``: the bias column of ones first,
    then degree 1, degree 2, …, and within one degree the index tuples
    ``i₁ ≤ i₂ ≤ … ≤ i_k`` in lexicographic order (for D = 2, degree 2:
    ``1, x₁, x₂, x₁², x₁x₂, x₂²``).

    Args:
        X: inputs, shape (N, D).
        degree: the largest total degree, an integer ≥ 0.

    Returns:
        Features of shape (N, M) with M = C(D + degree, degree).
    """
    ### BEGIN SOLUTION week1.polynomial_features
    X = np.asarray(X, dtype=float)
    columns = [np.ones(X.shape[0])]
    for k in range(1, degree + 1):
        for index in combinations_with_replacement(range(X.shape[1]), k):
            columns.append(np.prod(X[:, index], axis=1))
    return np.stack(columns, axis=1)
    ### END SOLUTION


def least_squares(X, y):
    """β = argmin ‖Xβ − y‖², the minimum-norm one when X is rank-deficient (β = X⁺y).

    Args:
        X: design matrix, shape (N, D).
        y: targets, shape (N,).

    Returns:
        Coefficients β of shape (D,), as ``numpy.linalg.lstsq`` returns them.
    """
    ### BEGIN SOLUTION week1.least_squares
    # lstsq goes through the SVD, so it never forms XᵀX (which squares the condition
    # number) and it picks the minimum-norm solution when columns are dependent.
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return beta
    ### END SOLUTION


def hat_matrix(X):
    """H = X X⁺ = U_r U_rᵀ: the orthogonal projection onto the column space of X.

    ``H @ y`` is the vector of least-squares fitted values. H is symmetric and
    idempotent (H² = H), and its trace is the rank of X.

    Args:
        X: design matrix, shape (N, D), possibly rank-deficient.

    Returns:
        H of shape (N, N).
    """
    ### BEGIN SOLUTION week1.hat_matrix
    # X (XᵀX)⁻¹ Xᵀ fails when XᵀX is singular; the left singular vectors with non-zero
    # singular values span col(X) in every case.
    U, s, _ = np.linalg.svd(X, full_matrices=False)
    tol = s.max(initial=0.0) * max(X.shape) * np.finfo(s.dtype).eps
    U_r = U[:, s > tol]
    return U_r @ U_r.T
    ### END SOLUTION


def ridge(X, y, lam):
    """β = (XᵀX + λI)⁻¹ Xᵀy: least squares with the penalty λ‖β‖² on every coefficient.

    Args:
        X: design matrix, shape (N, D).
        y: targets, shape (N,).
        lam: penalty strength λ > 0 (the bias column, if any, is penalised too).

    Returns:
        Coefficients β of shape (D,).
    """
    ### BEGIN SOLUTION week1.ridge
    A = X.T @ X + lam * np.eye(X.shape[1])
    return np.linalg.solve(A, X.T @ y)  # solve, never inv: cheaper and more accurate
    ### END SOLUTION


def mse_loss(beta, X, y):
    """L(β) = (1/N) Σᵢ (xᵢᵀβ − yᵢ)²: the mean squared error.

    Args:
        beta: coefficients, shape (D,).
        X: design matrix, shape (N, D).
        y: targets, shape (N,).

    Returns:
        The loss as a Python float.
    """
    ### BEGIN SOLUTION week1.mse
    residual = X @ beta - y
    return float(np.mean(residual**2))
    ### END SOLUTION


def mse_grad(beta, X, y):
    """∇L(β) = (2/N) Xᵀ(Xβ − y): the exact gradient of ``mse_loss``.

    Args:
        beta: coefficients, shape (D,).
        X: design matrix, shape (N, D).
        y: targets, shape (N,).

    Returns:
        The gradient, shape (D,).
    """
    ### BEGIN SOLUTION week1.mse
    residual = X @ beta - y
    return 2.0 * X.T @ residual / X.shape[0]
    ### END SOLUTION
