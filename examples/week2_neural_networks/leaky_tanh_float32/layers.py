"""Week 2, layers, in float32 (parameters, gradients, activations and their saved values).

* ``Dense`` has no ``grads`` entries until its first ``backward`` (the table defines
  gradients after a backward only); each backward binds new arrays.
* ``Sigmoid`` is the textbook 1/(1 + e^(−x)): for x below about −88 (float32) e^(−x)
  overflows to inf with a RuntimeWarning, and 1/(1 + inf) = 0 is the right value.
* ``LeakyReLU`` and ``ReLU`` go through ``np.maximum``/``np.minimum``; ``Tanh`` saves its output.
* ``he_init`` is uniform, ``xavier_init`` normal.
"""

import numpy as np

F32 = np.float32


class Dense:
    def __init__(self, in_features, out_features, rng):
        self.params = {"W": (rng.standard_normal((in_features, out_features)) * np.sqrt(2.0 / in_features)).astype(F32),
                       "b": np.zeros(out_features, dtype=F32)}
        self.grads = {}

    def forward(self, x):
        self.x = np.asarray(x, dtype=F32)
        return self.x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        dout = np.asarray(dout, dtype=F32)
        self.grads = {"W": self.x.T @ dout, "b": dout.sum(axis=0)}
        return dout @ self.params["W"].T


class ReLU:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        x = np.asarray(x, dtype=F32)
        self.on = x > 0
        return np.maximum(x, F32(0))

    def backward(self, dout):
        return np.asarray(dout, dtype=F32) * self.on


class LeakyReLU:
    def __init__(self, negative_slope=0.01):
        self.params, self.grads = {}, {}
        self.negative_slope = negative_slope

    def forward(self, x):
        x = np.asarray(x, dtype=F32)
        self.slope = np.where(x > 0, F32(1), F32(self.negative_slope))
        return np.maximum(x, F32(0)) + F32(self.negative_slope) * np.minimum(x, F32(0))

    def backward(self, dout):
        return np.asarray(dout, dtype=F32) * self.slope


class Sigmoid:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.out = F32(1) / (F32(1) + np.exp(-np.asarray(x, dtype=F32)))
        return self.out

    def backward(self, dout):
        return np.asarray(dout, dtype=F32) * self.out * (F32(1) - self.out)


class Tanh:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.out = np.tanh(np.asarray(x, dtype=F32))
        return self.out

    def backward(self, dout):
        return np.asarray(dout, dtype=F32) * (F32(1) - self.out * self.out)


class Sequential:
    def __init__(self, *layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in self.layers[::-1]:
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        return [p for layer in self.layers for p in layer.params.values()]

    def gradients(self):
        return [layer.grads[name] for layer in self.layers for name in layer.params]


def he_init(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)  # U(−a, a) has variance a²/3 = 2/fan_in
    return rng.uniform(-a, a, size=(fan_in, fan_out)).astype(F32)


def xavier_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out)).astype(F32)
