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
    raise NotImplementedError("week1.polynomial_features")


def least_squares(X, y):
    """β = argmin ‖Xβ − y‖², the minimum-norm one when X is rank-deficient (β = X⁺y).

    Args:
        X: design matrix, shape (N, D).
        y: targets, shape (N,).

    Returns:
        Coefficients β of shape (D,), as ``numpy.linalg.lstsq`` returns them.
    """
    raise NotImplementedError("week1.least_squares")


def hat_matrix(X):
    """H = X X⁺ = U_r U_rᵀ: the orthogonal projection onto the column space of X.

    ``H @ y`` is the vector of least-squares fitted values. H is symmetric and
    idempotent (H² = H), and its trace is the rank of X.

    Args:
        X: design matrix, shape (N, D), possibly rank-deficient.

    Returns:
        H of shape (N, N).
    """
    raise NotImplementedError("week1.hat_matrix")


def ridge(X, y, lam):
    """β = (XᵀX + λI)⁻¹ Xᵀy: least squares with the penalty λ‖β‖² on every coefficient.

    Args:
        X: design matrix, shape (N, D).
        y: targets, shape (N,).
        lam: penalty strength λ > 0 (the bias column, if any, is penalised too).

    Returns:
        Coefficients β of shape (D,).
    """
    raise NotImplementedError("week1.ridge")


def mse_loss(beta, X, y):
    """L(β) = (1/N) Σᵢ (xᵢᵀβ − yᵢ)²: the mean squared error.

    Args:
        beta: coefficients, shape (D,).
        X: design matrix, shape (N, D).
        y: targets, shape (N,).

    Returns:
        The loss as a Python float.
    """
    raise NotImplementedError("week1.mse")


def mse_grad(beta, X, y):
    """∇L(β) = (2/N) Xᵀ(Xβ − y): the exact gradient of ``mse_loss``.

    Args:
        beta: coefficients, shape (D,).
        X: design matrix, shape (N, D).
        y: targets, shape (N,).

    Returns:
        The gradient, shape (D,).
    """
    raise NotImplementedError("week1.mse")
