"""PCA that diagonalises XᵀX/N without subtracting the mean first (the mean it returns is right)."""
MODULE = "pca"
EXERCISE = "week4.pca"
HINT = "not centring X before the eigendecomposition"
EXERCISE_SCORE = 0


def pca_fit(X, k):
    X = np.asarray(X, dtype=float)
    _, vectors = np.linalg.eigh(X.T @ X / len(X))
    return X.mean(axis=0), vectors[:, ::-1][:, :k].T
