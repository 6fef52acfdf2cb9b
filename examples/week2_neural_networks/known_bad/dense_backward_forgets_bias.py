"""Dense.backward sets grads["W"] and returns dx but never sets grads["b"], which stays at zeros."""
MODULE = "layers"
EXERCISE = "week2.dense"
HINT = "never set by backward"
EXERCISE_SCORE = 1  # params and forward are right


class Dense(Dense):
    def backward(self, dout):
        self.grads["W"] = self._x.T @ dout
        return dout @ self.params["W"].T
