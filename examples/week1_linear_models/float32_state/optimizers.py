"""Week 1, optimizers, entirely in float32: the parameters, the state and every update.

Each optimizer keeps a float32 master copy of every parameter. A step computes the
update in float32, applies it to the master copy in place, and writes the result
back into the array it was given (``p[...] = w``), so the caller's arrays change in
place and always hold float32 values, whatever their own dtype. The state
(velocities, accumulators, moments) is float32 too, updated in place.
"""

import numpy as np

F32 = np.float32


class Optimizer:
    """Binds the parameter arrays and their float32 copies; subclasses implement ``step(grads)``."""

    def __init__(self, params):
        self.params = list(params)
        self.w = [np.asarray(p, dtype=F32).copy() for p in self.params]

    def _zeros(self):
        return [np.zeros(w.shape, dtype=F32) for w in self.w]

    def _write_back(self):
        for p, w in zip(self.params, self.w):
            p[...] = w


class SGD(Optimizer):
    """w ← w − lr·g."""

    def __init__(self, params, lr):
        super().__init__(params)
        self.lr = F32(lr)

    def step(self, grads):
        for w, g in zip(self.w, grads):
            w -= self.lr * np.asarray(g, dtype=F32)
        self._write_back()


class Momentum(Optimizer):
    """h ← μ·h + lr·g; w ← w − h."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        self.lr, self.momentum = F32(lr), F32(momentum)
        self.h = self._zeros()

    def step(self, grads):
        for w, g, h in zip(self.w, grads, self.h):
            h *= self.momentum
            h += self.lr * np.asarray(g, dtype=F32)
            w -= h
        self._write_back()


class Nesterov(Optimizer):
    """v ← μ·v + g; w ← w − lr·(g + μ·v)."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        self.lr, self.momentum = F32(lr), F32(momentum)
        self.v = self._zeros()

    def step(self, grads):
        for w, g, v in zip(self.w, grads, self.v):
            g = np.asarray(g, dtype=F32)
            v *= self.momentum
            v += g
            w -= self.lr * (g + self.momentum * v)
        self._write_back()


class AdaGrad(Optimizer):
    """G ← G + g²; w ← w − lr·g/(√G + eps)."""

    def __init__(self, params, lr, eps=1e-10):
        super().__init__(params)
        self.lr, self.eps = F32(lr), F32(eps)
        self.G = self._zeros()

    def step(self, grads):
        for w, g, G in zip(self.w, grads, self.G):
            g = np.asarray(g, dtype=F32)
            G += g * g
            w -= self.lr * g / (np.sqrt(G) + self.eps)
        self._write_back()


class RMSprop(Optimizer):
    """G ← α·G + (1 − α)·g²; w ← w − lr·g/(√G + eps)."""

    def __init__(self, params, lr, alpha=0.99, eps=1e-8):
        super().__init__(params)
        self.lr, self.alpha, self.eps = F32(lr), F32(alpha), F32(eps)
        self.G = self._zeros()

    def step(self, grads):
        for w, g, G in zip(self.w, grads, self.G):
            g = np.asarray(g, dtype=F32)
            G *= self.alpha
            G += (F32(1) - self.alpha) * g * g
            w -= self.lr * g / (np.sqrt(G) + self.eps)
        self._write_back()


class Adam(Optimizer):
    """m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ); w ← w − lr·m̂/(√v̂ + eps)."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)
        self.lr, self.eps = F32(lr), F32(eps)
        self.beta1, self.beta2 = (F32(b) for b in betas)
        self.t = 0
        self.m, self.v = self._zeros(), self._zeros()

    def step(self, grads):
        self.t += 1
        c1 = F32(1) - self.beta1 ** self.t
        c2 = F32(1) - self.beta2 ** self.t
        for w, g, m, v in zip(self.w, grads, self.m, self.v):
            g = np.asarray(g, dtype=F32)
            m *= self.beta1
            m += (F32(1) - self.beta1) * g
            v *= self.beta2
            v += (F32(1) - self.beta2) * g * g
            w -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
        self._write_back()
