"""Week 2, layers: written independently of the reference solution.

Everything is float32: parameters, gradients, activations. Differences from the
textbook version:

* ``Dense`` draws He-uniform weights, computes with ``np.einsum`` and writes its
  gradients into preallocated arrays in place (``grads["W"][...] = ...``).
* ``ReLU`` multiplies by a 0/1 mask; ``LeakyReLU`` keeps the slope per element.
* ``Sigmoid`` is ½(1 + tanh(x/2)), which cannot overflow; ``Tanh`` is 2σ(2x) − 1.
* ``Sequential`` keeps a tuple of layers and collects parameters with explicit loops.
* ``xavier_init`` is normal, ``he_init`` is normal via ``standard_normal``.
"""

import numpy as np

F32 = np.float32


class Layer:
    def __init__(self):
        self.params = {}
        self.grads = {}


class Dense(Layer):
    def __init__(self, in_features, out_features, rng):
        super().__init__()
        limit = np.sqrt(6.0 / in_features)  # U(−a, a): variance a²/3 = 2/in_features
        self.params["W"] = rng.uniform(-limit, limit, size=(in_features, out_features)).astype(F32)
        self.params["b"] = np.zeros(out_features, dtype=F32)
        self.grads["W"] = np.zeros((in_features, out_features), dtype=F32)
        self.grads["b"] = np.zeros(out_features, dtype=F32)

    def forward(self, x):
        self.x = np.asarray(x, dtype=F32)
        return np.einsum("ni,io->no", self.x, self.params["W"]) + self.params["b"]

    def backward(self, dout):
        dout = np.asarray(dout, dtype=F32)
        self.grads["W"][...] = np.einsum("ni,no->io", self.x, dout)
        self.grads["b"][...] = np.einsum("no->o", dout)
        return np.einsum("no,io->ni", dout, self.params["W"])


class ReLU(Layer):
    def forward(self, x):
        self.mask = (np.asarray(x) > 0).astype(F32)
        return np.asarray(x, dtype=F32) * self.mask

    def backward(self, dout):
        return np.asarray(dout, dtype=F32) * self.mask


class LeakyReLU(Layer):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.slope = F32(negative_slope)

    def forward(self, x):
        x = np.asarray(x, dtype=F32)
        self.factor = np.where(x > 0, F32(1.0), self.slope).astype(F32)
        return x * self.factor

    def backward(self, dout):
        return np.asarray(dout, dtype=F32) * self.factor


class Sigmoid(Layer):
    def forward(self, x):
        self.y = F32(0.5) * (F32(1.0) + np.tanh(F32(0.5) * np.asarray(x, dtype=F32)))
        return self.y

    def backward(self, dout):
        return np.asarray(dout, dtype=F32) * self.y * (F32(1.0) - self.y)


class Tanh(Layer):
    def forward(self, x):
        x = np.asarray(x, dtype=F32)
        s = F32(0.5) * (F32(1.0) + np.tanh(x))  # σ(2x) written through tanh(x) itself
        self.y = F32(2.0) * s - F32(1.0)
        return self.y

    def backward(self, dout):
        return np.asarray(dout, dtype=F32) * (F32(1.0) - self.y * self.y)


class Sequential:
    def __init__(self, *layers):
        self.layers = tuple(layers)

    def forward(self, x):
        out = x
        for i in range(len(self.layers)):
            out = self.layers[i].forward(out)
        return out

    def backward(self, dout):
        grad = dout
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad)
        return grad

    def parameters(self):
        out = []
        for layer in self.layers:
            for key in layer.params:
                out.append(layer.params[key])
        return out

    def gradients(self):
        out = []
        for layer in self.layers:
            for key in layer.params:
                out.append(layer.grads[key])
        return out


def he_init(fan_in, fan_out, rng):
    return (np.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))).astype(F32)


def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out)).astype(F32)
