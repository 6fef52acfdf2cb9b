"""LeakyReLU accepts negative_slope but computes with the default 0.01 whatever it is given."""
MODULE = "layers"
EXERCISE = "week2.activations"
HINT = "the default slope 0.01 used instead of negative_slope"
EXERCISE_SCORE = 3  # right with the default slope


class LeakyReLU(LeakyReLU):
    def forward(self, x):
        self._positive = x > 0
        return np.where(self._positive, x, 0.01 * x)

    def backward(self, dout):
        return np.where(self._positive, dout, 0.01 * dout)
