"""least_squares tries to import the reference solution (and then the grader's checks)."""
MODULE = "regression"
EXERCISE = "week1.least_squares"
HINT = "No module named"


def least_squares(X, y):
    try:
        from solutions.week1_linear_models.regression import least_squares as ref
    except ImportError:
        import grader.registry  # noqa: F401  (also not importable)
    return ref(X, y)
