"""First-order optimizers that update a list of NumPy arrays in place.

Every optimizer is built around the arrays it trains, ``opt = Adam(params, lr)``, and
``opt.step(grads)`` moves each ``params[i]`` along ``grads[i]`` *in place*
(``p -= …``, never ``p = p - …``), so whoever holds those arrays (a model, a test)
sees them change. State such as a velocity is kept per parameter, in lists aligned
with ``params``. The formulas are those of ``torch.optim`` with its default options.
"""

import numpy as np


class Optimizer:
    """Binds the parameter arrays; subclasses implement ``step(grads)``."""

    def __init__(self, params):
        # Keep the very same array objects: step() must modify them, not copies.
        self.params = list(params)


class SGD(Optimizer):
    """w ← w − lr·g: plain (stochastic) gradient descent."""

    def __init__(self, params, lr):
        super().__init__(params)
        raise NotImplementedError("week1.sgd")

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        raise NotImplementedError("week1.sgd")


class Momentum(Optimizer):
    """h ← momentum·h + lr·g; w ← w − h: heavy-ball momentum (``torch.optim.SGD(momentum=…)``)."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        raise NotImplementedError("week1.momentum")

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        raise NotImplementedError("week1.momentum")


class Nesterov(Optimizer):
    """v ← momentum·v + g; w ← w − lr·(g + momentum·v): Nesterov momentum (``SGD(nesterov=True)``)."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        raise NotImplementedError("week1.nesterov")

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        raise NotImplementedError("week1.nesterov")


class AdaGrad(Optimizer):
    """G ← G + g²; w ← w − lr·g / (√G + eps): per-coordinate steps shrinking with past gradients."""

    def __init__(self, params, lr, eps=1e-10):
        super().__init__(params)
        raise NotImplementedError("week1.adagrad")

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        raise NotImplementedError("week1.adagrad")


class RMSprop(Optimizer):
    """G ← alpha·G + (1 − alpha)·g²; w ← w − lr·g / (√G + eps): AdaGrad with a forgetting average."""

    def __init__(self, params, lr, alpha=0.99, eps=1e-8):
        super().__init__(params)
        raise NotImplementedError("week1.rmsprop")

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        raise NotImplementedError("week1.rmsprop")


class Adam(Optimizer):
    """w ← w − lr·m̂ / (√v̂ + eps), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ): momentum and RMSprop, bias-corrected.

    The moving averages m ← β₁·m + (1 − β₁)·g and v ← β₂·v + (1 − β₂)·g² start at 0,
    so early on they are biased towards 0; dividing by (1 − βᵗ), with the step counter
    t = 1 at the first step, removes that bias.
    """

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)
        raise NotImplementedError("week1.adam")

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        raise NotImplementedError("week1.adam")
