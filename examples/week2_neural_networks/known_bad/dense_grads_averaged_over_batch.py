"""Dense.backward divides the parameter gradients by the batch size: the loss, a mean, has already done so."""
MODULE = "layers"
EXERCISE = "week2.dense"
HINT = "averaged over the batch instead of summed"
EXERCISE_SCORE = 1  # params and forward are right


class Dense(Dense):
    def backward(self, dout):
        n = dout.shape[0]
        self.grads["W"] = self._x.T @ dout / n
        self.grads["b"] = dout.sum(axis=0) / n
        return dout @ self.params["W"].T
