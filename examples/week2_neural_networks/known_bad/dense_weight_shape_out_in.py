"""Dense stores W as (out_features, in_features), PyTorch's nn.Linear layout, instead of (in_features, out_features)."""
MODULE = "layers"
EXERCISE = "week2.dense"
HINT = "(transposed?)"


class Dense(Dense):
    def __init__(self, in_features, out_features, rng):
        Layer.__init__(self)
        self.params["W"] = rng.normal(0.0, np.sqrt(2.0 / in_features), size=(out_features, in_features))
        self.params["b"] = np.zeros(out_features)
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}

    def forward(self, x):
        self._x = x
        return x @ self.params["W"].T + self.params["b"]

    def backward(self, dout):
        self.grads["W"] = dout.T @ self._x
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"]
