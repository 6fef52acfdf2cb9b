"""ridge asks for an 800 GB array."""
MODULE = "regression"
EXERCISE = "week1.ridge"
HINT = "MemoryError"


def ridge(X, y, lam):
    big = np.ones((10**11,))
    return big[: X.shape[1]]
