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
        ### BEGIN SOLUTION week1.sgd
        self.lr = lr
        ### END SOLUTION

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        ### BEGIN SOLUTION week1.sgd
        for p, g in zip(self.params, grads, strict=True):
            p -= self.lr * g
        ### END SOLUTION


class Momentum(Optimizer):
    """h ← momentum·h + lr·g; w ← w − h: heavy-ball momentum (``torch.optim.SGD(momentum=…)``)."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        ### BEGIN SOLUTION week1.momentum
        self.lr = lr
        self.momentum = momentum
        self.h = [np.zeros_like(p) for p in self.params]
        ### END SOLUTION

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        ### BEGIN SOLUTION week1.momentum
        for p, g, h in zip(self.params, grads, self.h, strict=True):
            h *= self.momentum
            h += self.lr * g
            p -= h
        ### END SOLUTION


class Nesterov(Optimizer):
    """v ← momentum·v + g; w ← w − lr·(g + momentum·v): Nesterov momentum (``SGD(nesterov=True)``)."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        ### BEGIN SOLUTION week1.nesterov
        self.lr = lr
        self.momentum = momentum
        self.v = [np.zeros_like(p) for p in self.params]
        ### END SOLUTION

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        ### BEGIN SOLUTION week1.nesterov
        for p, g, v in zip(self.params, grads, self.v, strict=True):
            v *= self.momentum
            v += g
            p -= self.lr * (g + self.momentum * v)
        ### END SOLUTION


class AdaGrad(Optimizer):
    """G ← G + g²; w ← w − lr·g / (√G + eps): per-coordinate steps shrinking with past gradients."""

    def __init__(self, params, lr, eps=1e-10):
        super().__init__(params)
        ### BEGIN SOLUTION week1.adagrad
        self.lr = lr
        self.eps = eps
        self.G = [np.zeros_like(p) for p in self.params]
        ### END SOLUTION

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        ### BEGIN SOLUTION week1.adagrad
        for p, g, G in zip(self.params, grads, self.G, strict=True):
            G += g * g
            p -= self.lr * g / (np.sqrt(G) + self.eps)
        ### END SOLUTION


class RMSprop(Optimizer):
    """G ← alpha·G + (1 − alpha)·g²; w ← w − lr·g / (√G + eps): AdaGrad with a forgetting average."""

    def __init__(self, params, lr, alpha=0.99, eps=1e-8):
        super().__init__(params)
        ### BEGIN SOLUTION week1.rmsprop
        self.lr = lr
        self.alpha = alpha
        self.eps = eps
        self.G = [np.zeros_like(p) for p in self.params]
        ### END SOLUTION

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        ### BEGIN SOLUTION week1.rmsprop
        for p, g, G in zip(self.params, grads, self.G, strict=True):
            G *= self.alpha
            G += (1.0 - self.alpha) * g * g
            p -= self.lr * g / (np.sqrt(G) + self.eps)
        ### END SOLUTION


class Adam(Optimizer):
    """w ← w − lr·m̂ / (√v̂ + eps), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ): momentum and RMSprop, bias-corrected.

    The moving averages m ← β₁·m + (1 − β₁)·g and v ← β₂·v + (1 − β₂)·g² start at 0,
    so early on they are biased towards 0; dividing by (1 − βᵗ), with the step counter
    t = 1 at the first step, removes that bias.
    """

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)
        ### BEGIN SOLUTION week1.adam
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        ### END SOLUTION

    def step(self, grads):
        """Apply one update to every parameter, in place."""
        ### BEGIN SOLUTION week1.adam
        self.t += 1
        correction1 = 1.0 - self.beta1**self.t
        correction2 = 1.0 - self.beta2**self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v, strict=True):
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p -= self.lr * (m / correction1) / (np.sqrt(v / correction2) + self.eps)
        ### END SOLUTION
