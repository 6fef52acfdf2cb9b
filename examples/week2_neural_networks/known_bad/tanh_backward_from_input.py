"""Tanh.backward uses 1 − x² with the forward's input x, instead of 1 − tanh(x)²."""
MODULE = "layers"
EXERCISE = "week2.activations"
HINT = "computed from the input"
EXERCISE_SCORE = 1  # LeakyReLU with another slope is right


class Tanh(Tanh):
    def forward(self, x):
        self._x = x
        return np.tanh(x)

    def backward(self, dout):
        return dout * (1.0 - self._x**2)
