"""The logistic loss as −mean(y log σ(s) + (1 − y) log(1 − σ(s))), which overflows and takes log(0) for large scores."""
MODULE = "classification"
EXERCISE = "week1.logistic"
HINT = "np.logaddexp"
EXERCISE_SCORE = 2  # right, with its gradient, wherever the scores are moderate


def logistic_loss(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
