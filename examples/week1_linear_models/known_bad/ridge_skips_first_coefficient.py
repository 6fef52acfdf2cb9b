"""Ridge regression that leaves the first coefficient (the bias) out of the penalty."""
MODULE = "regression"
EXERCISE = "week1.ridge"
HINT = "first coefficient (the bias) unpenalised"
EXERCISE_SCORE = 0


def ridge(X, y, lam):
    penalty = lam * np.eye(X.shape[1])
    penalty[0, 0] = 0.0
    return np.linalg.solve(X.T @ X + penalty, X.T @ y)
