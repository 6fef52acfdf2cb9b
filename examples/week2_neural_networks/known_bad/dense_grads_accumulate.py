"""Dense.backward adds each call's gradients to the previous ones (+=) instead of replacing them."""
MODULE = "layers"
EXERCISE = "week2.dense"
HINT = "accumulated instead of replaced"
EXERCISE_SCORE = 1  # params and forward are right; every other check calls backward more than once
ALSO_COSTS = ["week2.train_mlp"]  # the grader's loop never zeroes grads: training adds up every past gradient


class Dense(Dense):
    def backward(self, dout):
        self.grads["W"] += self._x.T @ dout
        self.grads["b"] += dout.sum(axis=0)
        return dout @ self.params["W"].T
