"""Sigmoid as e^x/(1 + e^x) for every x: e^x overflows to inf above x ≈ 709, and inf/inf is NaN."""
MODULE = "layers"
EXERCISE = "week2.activations"
HINT = "Only ever exponentiate −|x|"
EXERCISE_SCORE = 3  # right for moderate inputs


class Sigmoid(Sigmoid):
    def forward(self, x):
        e = np.exp(x)
        self._out = e / (1.0 + e)
        return self._out
