"""The MSE gradient summed over the samples instead of averaged (N times too large)."""
MODULE = "regression"
EXERCISE = "week1.mse"
HINT = "summed instead of averaged"
EXERCISE_SCORE = 1  # the mse_loss value check still passes


def mse_grad(beta, X, y):
    return 2.0 * X.T @ (X @ beta - y)
