"""Sigmoid.backward uses x(1 − x) with the forward's input x, instead of σ(x)(1 − σ(x))."""
MODULE = "layers"
EXERCISE = "week2.activations"
HINT = "computed from the input"
EXERCISE_SCORE = 1  # LeakyReLU with another slope is right


class Sigmoid(Sigmoid):
    def forward(self, x):
        self._x = x
        return super().forward(x)

    def backward(self, dout):
        return dout * self._x * (1.0 - self._x)
