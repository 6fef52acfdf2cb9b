"""PCA that returns the components as the columns of a (D, k) array."""
MODULE = "pca"
EXERCISE = "week4.pca"
HINT = "returning the components as the columns"
EXERCISE_SCORE = 0


def pca_fit(X, k):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    _, _, vt = np.linalg.svd(X - mean, full_matrices=True)
    return mean, vt[:k].T
