"""The hat matrix as X (XᵀX)⁻¹ Xᵀ with np.linalg.inv, which does not exist for rank-deficient X."""
MODULE = "regression"
EXERCISE = "week1.hat_matrix"
HINT = "(XᵀX)⁻¹ does not exist"
EXERCISE_SCORE = 2  # the public check and the full-rank hidden check still pass


def hat_matrix(X):
    return X @ np.linalg.inv(X.T @ X) @ X.T
