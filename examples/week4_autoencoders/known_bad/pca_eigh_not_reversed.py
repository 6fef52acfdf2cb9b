"""PCA that keeps np.linalg.eigh's increasing order: the components of the k smallest eigenvalues."""
MODULE = "pca"
EXERCISE = "week4.pca"
HINT = "taking the k eigenvectors with the smallest eigenvalues"
EXERCISE_SCORE = 0


def pca_fit(X, k):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    _, vectors = np.linalg.eigh((X - mean).T @ (X - mean) / len(X))
    return mean, vectors[:, :k].T
