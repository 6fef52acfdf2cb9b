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
        raise NotImplementedError("week2.dense")

    def forward(self, x):
        """x (N, in_features) -> x·W + b (N, out_features)."""
        raise NotImplementedError("week2.dense")

    def backward(self, dout):
        """dout (N, out_features) -> dx (N, in_features); sets grads["W"] and grads["b"]."""
        raise NotImplementedError("week2.dense")


class ReLU(Layer):
    """relu(x) = max(x, 0) elementwise; its derivative is 1 where x > 0 and 0 elsewhere (0 at x = 0)."""

    def forward(self, x):
        raise NotImplementedError("week2.activations")

    def backward(self, dout):
        raise NotImplementedError("week2.activations")


class LeakyReLU(Layer):
    """x where x > 0, negative_slope·x elsewhere: a ReLU whose negative side keeps a small slope."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        raise NotImplementedError("week2.activations")

    def forward(self, x):
        raise NotImplementedError("week2.activations")

    def backward(self, dout):
        raise NotImplementedError("week2.activations")


class Sigmoid(Layer):
    """σ(x) = 1/(1 + e^(−x)) elementwise, with σ'(x) = σ(x)(1 − σ(x)) computed from the saved output.

    Only e^(−|x|) is ever formed, so inputs of any size are safe (no overflow).
    """

    def forward(self, x):
        raise NotImplementedError("week2.activations")

    def backward(self, dout):
        raise NotImplementedError("week2.activations")


class Tanh(Layer):
    """tanh(x) elementwise, with tanh'(x) = 1 − tanh(x)² computed from the saved output."""

    def forward(self, x):
        raise NotImplementedError("week2.activations")

    def backward(self, dout):
        raise NotImplementedError("week2.activations")


class Sequential:
    """A chain of layers: forward through them in order, backward in reverse order.

    ``parameters()`` is the list of every layer's parameter arrays (layer by layer,
    in each layer's ``params`` order) — the very arrays the layers compute with, so
    that an optimizer updating them in place (``p -= lr * g``) trains the network.
    ``gradients()`` lists the matching gradients, in the same order.
    """

    def __init__(self, *layers):
        raise NotImplementedError("week2.sequential")

    def forward(self, x):
        """x -> the output of the last layer."""
        raise NotImplementedError("week2.sequential")

    def backward(self, dout):
        """∂L/∂output -> ∂L/∂input, setting every layer's grads on the way."""
        raise NotImplementedError("week2.sequential")

    def parameters(self):
        """A list of every parameter array of every layer (the arrays themselves, not copies)."""
        raise NotImplementedError("week2.sequential")

    def gradients(self):
        """A list of the gradients of the last backward, in the order of parameters()."""
        raise NotImplementedError("week2.sequential")


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
    raise NotImplementedError("week2.init")


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
    raise NotImplementedError("week2.init")
