"""Week 1, optimizers: written independently of the reference solution.

The parameters are updated in place; the optimizer state (velocities, squared-gradient
accumulators, Adam's moments) is kept in float32 arrays, and each update is computed
in float32 and added to the parameter in its own dtype. Differences from the textbook:

* ``SGD`` walks over the elements with ``np.nditer``.
* ``Momentum`` keeps torch's buffer b ← μb + g and steps w ← w − lr·b (h = lr·b).
* ``Nesterov`` steps along g + μ·v after updating v, written as (1 + μ)·g + μ²·v_old.
* ``AdaGrad`` / ``RMSprop`` keep √G's reciprocal-free form but update G in place with
  ``out=`` arguments.
* ``Adam`` tracks β₁ᵗ and β₂ᵗ as running products instead of powers.
"""

import numpy as np

# dtype of every optimizer state buffer (velocities, accumulators, moments)
STATE_DTYPE = np.float32


class Optimizer:
    """Binds the parameter arrays; subclasses implement ``step(grads)``."""

    def __init__(self, params):
        self.params = list(params)


class SGD(Optimizer):
    """w ← w − lr·g, one element at a time."""

    def __init__(self, params, lr):
        super().__init__(params)
        self.lr = float(lr)

    def step(self, grads):
        lr = np.float32(self.lr)
        for p, g in zip(self.params, grads):
            g32 = np.asarray(g, dtype=np.float32)
            with np.nditer([p, g32], op_flags=[["readwrite"], ["readonly"]]) as it:
                for w, gi in it:
                    w[...] = w - p.dtype.type(lr * gi)


class Momentum(Optimizer):
    """torch form: b ← μ·b + g; w ← w − lr·b (the spec's h is lr·b)."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.buf = [np.zeros(np.shape(p), dtype=STATE_DTYPE) for p in self.params]

    def step(self, grads):
        mu, lr = np.float32(self.momentum), np.float32(self.lr)
        for p, g, b in zip(self.params, grads, self.buf):
            b *= mu
            b += np.asarray(g, dtype=np.float32)
            p -= (lr * b).astype(p.dtype, copy=False)


class Nesterov(Optimizer):
    """v ← μ·v + g; w ← w − lr·(g + μ·v) = w − lr·((1 + μ)·g + μ²·v_old)."""

    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.vel = [np.zeros(np.shape(p), dtype=STATE_DTYPE) for p in self.params]

    def step(self, grads):
        mu, lr = np.float32(self.momentum), np.float32(self.lr)
        for p, g, v in zip(self.params, grads, self.vel):
            g32 = np.asarray(g, dtype=np.float32)
            direction = (np.float32(1.0) + mu) * g32 + (mu * mu) * v
            v *= mu
            v += g32
            p -= (lr * direction).astype(p.dtype, copy=False)


class AdaGrad(Optimizer):
    """G ← G + g²; w ← w − lr·g/(√G + eps)."""

    def __init__(self, params, lr, eps=1e-10):
        super().__init__(params)
        self.lr = float(lr)
        self.eps = float(eps)
        self.sum_sq = [np.zeros(np.shape(p), dtype=STATE_DTYPE) for p in self.params]

    def step(self, grads):
        lr, eps = np.float32(self.lr), np.float32(self.eps)
        for p, g, G in zip(self.params, grads, self.sum_sq):
            g32 = np.asarray(g, dtype=np.float32)
            np.add(G, np.square(g32), out=G)
            denom = np.sqrt(G)
            denom += eps
            p -= (lr * g32 / denom).astype(p.dtype, copy=False)


class RMSprop(Optimizer):
    """G ← α·G + (1 − α)·g²; w ← w − lr·g/(√G + eps)."""

    def __init__(self, params, lr, alpha=0.99, eps=1e-8):
        super().__init__(params)
        self.lr = float(lr)
        self.alpha = float(alpha)
        self.eps = float(eps)
        self.sq_avg = [np.zeros(np.shape(p), dtype=STATE_DTYPE) for p in self.params]

    def step(self, grads):
        lr, eps = np.float32(self.lr), np.float32(self.eps)
        a = np.float32(self.alpha)
        one_minus_a = np.float32(1.0 - self.alpha)
        for p, g, G in zip(self.params, grads, self.sq_avg):
            g32 = np.asarray(g, dtype=np.float32)
            np.multiply(G, a, out=G)
            G += one_minus_a * g32 * g32
            p -= (lr * g32 / (np.sqrt(G) + eps)).astype(p.dtype, copy=False)


class Adam(Optimizer):
    """Bias-corrected moments: w ← w − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + eps)."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params)
        self.lr = float(lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps = float(eps)
        self.m = [np.zeros(np.shape(p), dtype=STATE_DTYPE) for p in self.params]
        self.v = [np.zeros(np.shape(p), dtype=STATE_DTYPE) for p in self.params]
        self.t = 0
        self._b1_pow = 1.0   # β₁ᵗ, kept as a running product
        self._b2_pow = 1.0   # β₂ᵗ

    def step(self, grads):
        self.t += 1
        self._b1_pow *= self.beta1
        self._b2_pow *= self.beta2
        inv_c1 = np.float32(1.0 / (1.0 - self._b1_pow))
        inv_c2 = np.float32(1.0 / (1.0 - self._b2_pow))
        one_m_b1 = np.float32(1.0 - self.beta1)   # 1 − β in float64 first, then rounded
        one_m_b2 = np.float32(1.0 - self.beta2)
        lr, eps = np.float32(self.lr), np.float32(self.eps)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            g32 = np.asarray(g, dtype=np.float32)
            m += one_m_b1 * (g32 - m)        # = β₁m + (1−β₁)g
            v += one_m_b2 * (g32 * g32 - v)  # = β₂v + (1−β₂)g²
            m_hat = m * inv_c1
            v_hat = v * inv_c2
            p -= (lr * m_hat / (np.sqrt(v_hat) + eps)).astype(p.dtype, copy=False)
