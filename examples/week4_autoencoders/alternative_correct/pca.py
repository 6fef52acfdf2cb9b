"""Week 4, PCA: written independently of the reference solution.

Everything is computed in float32: the covariance (1/N)·(X − mean)ᵀ(X − mean) is formed
explicitly and diagonalised with ``np.linalg.eigh`` (eigenvalues in increasing order, so
the eigenvectors are taken in reverse); encoding and decoding loop over the examples.
"""

import numpy as np

DTYPE = np.float32


def pca_fit(X, k):
    X = np.asarray(X, dtype=DTYPE)
    mean = X.sum(axis=0) / DTYPE(len(X))
    Xc = X - mean
    cov = (Xc.T @ Xc) / DTYPE(len(X))
    _, vectors = np.linalg.eigh(cov)
    components = np.ascontiguousarray(vectors[:, ::-1][:, :k].T)
    return mean, components


def pca_encode(X, mean, components):
    X = np.asarray(X, dtype=DTYPE)
    W = np.asarray(components, dtype=DTYPE)
    mean = np.asarray(mean, dtype=DTYPE)
    Z = np.zeros((len(X), len(W)), dtype=DTYPE)
    for n in range(len(X)):
        for j in range(len(W)):
            Z[n, j] = np.dot(X[n] - mean, W[j])
    return Z


def pca_decode(Z, mean, components):
    Z = np.asarray(Z, dtype=DTYPE)
    W = np.asarray(components, dtype=DTYPE)
    out = np.empty((len(Z), W.shape[1]), dtype=DTYPE)
    for n in range(len(Z)):
        out[n] = np.asarray(mean, dtype=DTYPE)
        for j in range(len(W)):
            out[n] += Z[n, j] * W[j]
    return out
