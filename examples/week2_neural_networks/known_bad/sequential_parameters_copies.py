"""Sequential.parameters returns copies of the layers' arrays, so an optimizer's in-place updates never reach the layers."""
MODULE = "layers"
EXERCISE = "week2.sequential"
HINT = "not copies"
EXERCISE_SCORE = 2  # forward and backward compose the layers correctly
ALSO_COSTS = ["week2.train_mlp"]  # the grader's loop updates the copies: the network never learns


class Sequential(Sequential):
    def parameters(self):
        return [layer.params[name].copy() for layer in self.layers for name in layer.params]
