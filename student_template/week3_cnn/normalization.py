"""Batch normalization and inverted dropout for fully connected activations x of shape (N, D)."""

import numpy as np


def batchnorm_forward(x, gamma, beta, state, train, momentum=0.1, eps=1e-5):
    """out = γ·(x − μ)/√(σ² + eps) + β, feature by feature (column by column).

    Training mode (``train=True``) normalises with the statistics of this batch: the mean
    μ and the *biased* variance σ² = mean((x − μ)²) of each column. It also updates the
    running statistics in ``state`` exactly as ``torch.nn.BatchNorm1d`` does, with
    ``momentum`` the weight of the new batch and the *unbiased* variance (divided by
    N − 1) going into the running variance:

        running_mean ← (1 − momentum)·running_mean + momentum·μ
        running_var  ← (1 − momentum)·running_var  + momentum·σ²·N/(N − 1)

    Evaluation mode (``train=False``) normalises with ``running_mean`` and
    ``running_var`` instead and leaves ``state`` alone.

    Args:
        x: activations, shape (N, D), N ≥ 2 in training mode.
        gamma: scales γ, shape (D,).
        beta: shifts β, shape (D,).
        state: a dict with arrays ``"running_mean"`` and ``"running_var"`` of shape (D,),
            updated in place (or replaced under the same keys) in training mode.
        train: True for training mode, False for evaluation mode.
        momentum: the weight of the current batch in the running statistics.
        eps: added to the variance before the square root.

    Returns:
        ``(out, cache)``: out of shape (N, D), and what ``batchnorm_backward`` needs
        (training mode).
    """
    raise NotImplementedError("week3.batchnorm")


def batchnorm_backward(dout, cache):
    """Gradients of training-mode batchnorm: with x̂ = (x − μ)/√(σ² + eps) and g = dout·γ,

        dx = (g − mean(g) − x̂·mean(g·x̂)) / √(σ² + eps)   (means over the batch, per column),
        dγ = Σ_n dout·x̂,  dβ = Σ_n dout.

    μ and σ² depend on every row of x, which is where the two mean terms come from.

    Args:
        dout: upstream gradient, shape (N, D).
        cache: what ``batchnorm_forward(..., train=True)`` returned with ``out``.

    Returns:
        ``(dx, dgamma, dbeta)`` of shapes (N, D), (D,), (D,).
    """
    raise NotImplementedError("week3.batchnorm")


def dropout_forward(x, p, train, rng):
    """Inverted dropout: out = x·keep/(1 − p), where each keep is 0 with probability p, else 1.

    Every element is dropped independently with probability ``p``; the ones kept are
    scaled by 1/(1 − p), so that E[out] = x and nothing needs rescaling at test time.
    In evaluation mode (``train=False``) the input comes back unchanged.

    Args:
        x: activations, any shape.
        p: the probability of dropping an element, 0 ≤ p < 1.
        train: True for training mode, False for evaluation mode.
        rng: a ``numpy.random.Generator``, the only source of randomness.

    Returns:
        ``(out, mask)``: out shaped like x, and whatever ``dropout_backward`` needs to
        know which elements were kept (its encoding is yours).
    """
    raise NotImplementedError("week3.dropout")


def dropout_backward(dout, mask, p):
    """dx = dout·keep/(1 − p): the gradient flows through the kept elements only, scaled alike.

    Args:
        dout: upstream gradient, shaped like the forward input.
        mask: what ``dropout_forward`` returned with ``out`` (training mode).
        p: the drop probability used in the forward pass.

    Returns:
        dx shaped like dout.
    """
    raise NotImplementedError("week3.dropout")
