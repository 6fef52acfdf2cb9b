"""PCA whose encoder projects X without subtracting the mean."""
MODULE = "pca"
EXERCISE = "week4.pca"
HINT = "encoding without subtracting the mean"
EXERCISE_SCORE = 2


def pca_encode(X, mean, components):
    return np.asarray(X, dtype=float) @ np.asarray(components, dtype=float).T
