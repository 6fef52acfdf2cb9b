"""MSELoss.backward returns (pred − target)/size, forgetting the 2 of the square's derivative."""
MODULE = "losses"
EXERCISE = "week2.loss"
HINT = "missing the factor 2"
EXERCISE_SCORE = 2  # the cross-entropy is right


class MSELoss(MSELoss):
    def backward(self):
        return self._diff / self._diff.size
