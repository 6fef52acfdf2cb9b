"""Layers of a neural network, each with a forward and a backward pass; weight initialisation.

Every layer has two dicts: ``params`` (name -> array) and ``grads`` (the same keys,
the gradients of the loss with respect to those arrays, set by ``backward``).
Layers without parameters (the activations) have both empty.

``forward(x)`` maps a batch ``x`` of shape (N, …) to the layer's output and keeps
what the backward pass needs. ``backward(dout)`` receives ∂L/∂out, the gradient of
the loss with respect to the output of the last forward, sets ``grads`` and returns
∂L/∂x, the gradient with respect to that forward's input.
"""

import numpy as np


class Layer:
    """Base class: empty ``params`` and ``grads`` dicts."""

    def __init__(self):
        self.params = {}
        self.grads = {}


class Dense(Layer):
    """out = x·W + b: a fully connected (affine) layer.

    ``params = {"W": (in_features, out_features), "b": (out_features,)}``. With
    dout = ∂L/∂out of shape (N, out_features), the backward pass is

        ∂L/∂W = xᵀ·dout,   ∂L/∂b = Σₙ doutₙ,   ∂L/∂x = dout·Wᵀ:

    the parameter gradients are **summed** over the batch (the loss, a mean, has
    already divided by N), and every backward overwrites the previous ``grads``.
    """

    def __init__(self, in_features, out_features, rng):
        super().__init__()
        ### BEGIN SOLUTION week2.dense
        # He initialisation, written out here rather than calling he_init, so that this
        # exercise does not depend on another one; the biases start at 0.
        self.params["W"] = rng.normal(0.0, np.sqrt(2.0 / in_features), size=(in_features, out_features))
        self.params["b"] = np.zeros(out_features)
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        ### END SOLUTION

    def forward(self, x):
        """x (N, in_features) -> x·W + b (N, out_features)."""
        ### BEGIN SOLUTION week2.dense
        self._x = x
        return x @ self.params["W"] + self.params["b"]
        ### END SOLUTION

    def backward(self, dout):
        """dout (N, out_features) -> dx (N, in_features); sets grads["W"] and grads["b"]."""
        ### BEGIN SOLUTION week2.dense
        self.grads["W"] = self._x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T
        ### END SOLUTION


class ReLU(Layer):
    """relu(x) = max(x, 0) elementwise; its derivative is 1 where x > 0 and 0 elsewhere (0 at x = 0)."""

    def forward(self, x):
        ### BEGIN SOLUTION week2.activations
        self._positive = x > 0
        return np.where(self._positive, x, 0.0)
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION week2.activations
        return np.where(self._positive, dout, 0.0)
        ### END SOLUTION


class LeakyReLU(Layer):
    """x where x > 0, negative_slope·x elsewhere: a ReLU whose negative side keeps a small slope."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        ### BEGIN SOLUTION week2.activations
        self.negative_slope = negative_slope
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION week2.activations
        self._positive = x > 0
        return np.where(self._positive, x, self.negative_slope * x)
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION week2.activations
        return np.where(self._positive, dout, self.negative_slope * dout)
        ### END SOLUTION


class Sigmoid(Layer):
    """σ(x) = 1/(1 + e^(−x)) elementwise, with σ'(x) = σ(x)(1 − σ(x)) computed from the saved output.

    Only e^(−|x|) is ever formed, so inputs of any size are safe (no overflow).
    """

    def forward(self, x):
        ### BEGIN SOLUTION week2.activations
        e = np.exp(-np.abs(x))
        self._out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self._out
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION week2.activations
        return dout * self._out * (1.0 - self._out)
        ### END SOLUTION


class Tanh(Layer):
    """tanh(x) elementwise, with tanh'(x) = 1 − tanh(x)² computed from the saved output."""

    def forward(self, x):
        ### BEGIN SOLUTION week2.activations
        self._out = np.tanh(x)
        return self._out
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION week2.activations
        return dout * (1.0 - self._out**2)
        ### END SOLUTION


class Sequential:
    """A chain of layers: forward through them in order, backward in reverse order.

    ``parameters()`` is the list of every layer's parameter arrays (layer by layer,
    in each layer's ``params`` order) — the very arrays the layers compute with, so
    that an optimizer updating them in place (``p -= lr * g``) trains the network.
    ``gradients()`` lists the matching gradients, in the same order.
    """

    def __init__(self, *layers):
        ### BEGIN SOLUTION week2.sequential
        self.layers = list(layers)
        ### END SOLUTION

    def forward(self, x):
        """x -> the output of the last layer."""
        ### BEGIN SOLUTION week2.sequential
        for layer in self.layers:
            x = layer.forward(x)
        return x
        ### END SOLUTION

    def backward(self, dout):
        """∂L/∂output -> ∂L/∂input, setting every layer's grads on the way."""
        ### BEGIN SOLUTION week2.sequential
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout
        ### END SOLUTION

    def parameters(self):
        """A list of every parameter array of every layer (the arrays themselves, not copies)."""
        ### BEGIN SOLUTION week2.sequential
        return [layer.params[name] for layer in self.layers for name in layer.params]
        ### END SOLUTION

    def gradients(self):
        """A list of the gradients of the last backward, in the order of parameters()."""
        ### BEGIN SOLUTION week2.sequential
        # Looked up anew on every call: backward may bind new gradient arrays.
        return [layer.grads[name] for layer in self.layers for name in layer.params]
        ### END SOLUTION


def he_init(fan_in, fan_out, rng):
    """W ~ N(0, 2/fan_in), shape (fan_in, fan_out): He (Kaiming) initialisation, for ReLU layers.

    A ReLU zeroes half of its inputs on average, which halves the variance of the
    signal; the factor 2 makes up for it, so that activations keep their scale
    from layer to layer.

    Args:
        fan_in: the number of inputs of the layer.
        fan_out: the number of outputs of the layer.
        rng: a ``numpy.random.Generator``, the only source of randomness.

    Returns:
        An array of shape (fan_in, fan_out), zero mean, variance 2/fan_in.
    """
    ### BEGIN SOLUTION week2.init
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    ### END SOLUTION


def xavier_init(fan_in, fan_out, rng):
    """W ~ U(−a, a) with a = √(6/(fan_in + fan_out)): Glorot (Xavier) initialisation, variance 2/(fan_in + fan_out).

    A compromise between keeping the variance of the forward signal (1/fan_in)
    and of the backward gradients (1/fan_out), for tanh and sigmoid layers.
    U(−a, a) has variance a²/3 = 2/(fan_in + fan_out); a normal draw with that
    variance is just as correct.

    Args:
        fan_in: the number of inputs of the layer.
        fan_out: the number of outputs of the layer.
        rng: a ``numpy.random.Generator``, the only source of randomness.

    Returns:
        An array of shape (fan_in, fan_out), zero mean, variance 2/(fan_in + fan_out).
    """
    ### BEGIN SOLUTION week2.init
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
    ### END SOLUTION
