"""The logistic-regression gradient summed over the samples instead of averaged (N times too large)."""
MODULE = "classification"
EXERCISE = "week1.logistic"
HINT = "summed instead of averaged"
EXERCISE_SCORE = 0


def logistic_grad(w, X, y):
    s = X @ w
    e = np.exp(-np.abs(s))
    p = np.where(s >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return X.T @ (p - y)
