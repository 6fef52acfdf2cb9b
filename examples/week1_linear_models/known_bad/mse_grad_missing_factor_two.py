"""The MSE gradient without the factor 2 that comes from differentiating the square."""
MODULE = "regression"
EXERCISE = "week1.mse"
HINT = "missing the factor 2"
EXERCISE_SCORE = 1  # the mse_loss value check still passes


def mse_grad(beta, X, y):
    return X.T @ (X @ beta - y) / X.shape[0]
