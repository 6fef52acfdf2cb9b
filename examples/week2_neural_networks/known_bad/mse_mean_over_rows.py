"""MSELoss divides by the number of rows N instead of the number of elements."""
MODULE = "losses"
EXERCISE = "week2.loss"
HINT = "dividing by the number of rows N instead of the number of elements"
EXERCISE_SCORE = 2  # the cross-entropy is right


class MSELoss(MSELoss):
    def forward(self, pred, target):
        self._diff = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)
        return float(np.sum(self._diff**2) / self._diff.shape[0])

    def backward(self):
        return 2.0 * self._diff / self._diff.shape[0]
