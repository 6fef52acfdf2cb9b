"""Sequential.backward runs every layer's backward but forgets to return the gradient for the input."""
MODULE = "layers"
EXERCISE = "week2.sequential"
HINT = "did you forget a return statement"
EXERCISE_SCORE = 2  # parameters() and gradients() are right


class Sequential(Sequential):
    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
