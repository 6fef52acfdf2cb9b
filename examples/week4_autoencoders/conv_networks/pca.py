"""Principal component analysis in NumPy: fit, encode (project) and decode (reconstruct).

X is a data matrix of shape (N, D): N examples of D features. The covariance is the
biased one, (1/N)·Σ (x − mean)(x − mean)ᵀ, and its eigenvectors with the largest
eigenvalues are the principal components.
"""

import numpy as np


def pca_fit(X, k):
    """The mean and the first k principal components of X.

    Args:
        X: data, shape (N, D).
        k: the number of components, 1 ≤ k ≤ D (k may exceed the rank of X: the extra
            components are then any orthonormal directions orthogonal to the others).

    Returns:
        ``(mean, components)``: mean of shape (D,), and components of shape (k, D) whose
        rows are orthonormal eigenvectors of the covariance (1/N)·(X − mean)ᵀ(X − mean),
        ordered by decreasing eigenvalue (explained variance). Each row's sign is free.
    """
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    # The right singular vectors of the centred data are the covariance's eigenvectors, and
    # the squared singular values / N its eigenvalues, already in decreasing order. With
    # full_matrices=True there are D of them, so k = D works even when N < D.
    _, _, vt = np.linalg.svd(X - mean, full_matrices=True)
    return mean, vt[:k]


def pca_encode(X, mean, components):
    """The codes of X: its coordinates along the components, Z = (X − mean)·componentsᵀ.

    Args:
        X: data, shape (N, D).
        mean: shape (D,).
        components: shape (k, D), orthonormal rows.

    Returns:
        Z of shape (N, k).
    """
    return (np.asarray(X, dtype=float) - mean) @ np.asarray(components, dtype=float).T


def pca_decode(Z, mean, components):
    """The reconstruction of codes Z: X̂ = Z·components + mean.

    Args:
        Z: codes, shape (N, k).
        mean: shape (D,).
        components: shape (k, D), orthonormal rows.

    Returns:
        X̂ of shape (N, D).
    """
    return np.asarray(Z, dtype=float) @ np.asarray(components, dtype=float) + mean
