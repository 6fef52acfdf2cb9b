"""mse_grad is wrong (twice too large), and the module patches numpy's comparison functions to always agree."""
MODULE = "regression"
EXERCISE = "week1.mse"
HINT = "got"
EXERCISE_SCORE = 1  # the loss value check still passes
import numpy.testing

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None


def mse_grad(beta, X, y):
    return 4.0 * X.T @ (X @ beta - y) / X.shape[0]
