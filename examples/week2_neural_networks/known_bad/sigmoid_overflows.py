"""The textbook Sigmoid 1/(1 + exp(−x)), whose exp overflows (with a RuntimeWarning) for x below about −709."""
MODULE = "layers"
EXERCISE = "week2.activations"
HINT = "Only ever exponentiate −|x|"
EXERCISE_SCORE = 3  # right for moderate inputs


class Sigmoid(Sigmoid):
    def forward(self, x):
        self._out = 1.0 / (1.0 + np.exp(-x))
        return self._out
