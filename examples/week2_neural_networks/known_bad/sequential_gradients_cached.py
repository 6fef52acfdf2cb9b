"""Sequential.gradients builds its list once and returns it ever after, though each backward binds new gradient arrays."""
MODULE = "layers"
EXERCISE = "week2.sequential"
HINT = "read the layers' grads when gradients() is called"
EXERCISE_SCORE = 4  # right whenever gradients() is first called after the backward it reports
ALSO_COSTS = ["week2.train_mlp"]  # the loop keeps stepping along the first minibatch's gradients


class Sequential(Sequential):
    def gradients(self):
        if not hasattr(self, "_grads"):
            self._grads = [layer.grads[name] for layer in self.layers for name in layer.params]
        return self._grads
