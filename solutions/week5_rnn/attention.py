"""Scaled dot-product attention, forward and backward, in NumPy.

Queries q (N, Tq, d) attend to keys k (N, Tk, d) and read the matching values
v (N, Tk, dv): each query's output is a weighted mean of the values, with weights that
sum to 1 over the keys.
"""

import numpy as np


def attention_forward(q, k, v, causal=False):
    """out = softmax(q·kᵀ / √d)·v, the softmax over the keys (the last axis).

    With ``causal=True`` (then Tq = Tk), query i may attend only to keys j ≤ i: the scores
    of later keys are −∞ before the softmax, as ``is_causal=True`` does in
    ``torch.nn.functional.scaled_dot_product_attention``. Stable for large scores: subtract
    each row's maximum before exponentiating.

    Args:
        q: queries, shape (N, Tq, d).
        k: keys, shape (N, Tk, d).
        v: values, shape (N, Tk, dv).
        causal: hide the keys after each query's position.

    Returns:
        ``(out, cache)``: out of shape (N, Tq, dv), and what ``attention_backward`` needs.
    """
    ### BEGIN SOLUTION week5.attention
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ k.transpose(0, 2, 1) * scale
    if causal:
        Tq, Tk = scores.shape[1:]
        scores = np.where(np.tril(np.ones((Tq, Tk), dtype=bool)), scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v, (q, k, v, weights, scale)
    ### END SOLUTION


def attention_backward(dout, cache):
    """The gradients of a loss with respect to q, k and v, given dout = ∂L/∂out.

    With P the attention weights: dv = Pᵀ·dout; dP = dout·vᵀ; the softmax's backward gives
    dS = P ⊙ (dP − Σ_j dP ⊙ P) for the scores S = q·kᵀ/√d; dq = dS·k/√d and dk = dSᵀ·q/√d.

    Args:
        dout: upstream gradient, shape (N, Tq, dv).
        cache: what ``attention_forward`` returned with ``out``.

    Returns:
        ``(dq, dk, dv)`` shaped like q, k and v.
    """
    ### BEGIN SOLUTION week5.attention
    q, k, v, P, scale = cache
    dout = np.asarray(dout, dtype=float)
    dv = P.transpose(0, 2, 1) @ dout
    dP = dout @ v.transpose(0, 2, 1)
    dS = P * (dP - (dP * P).sum(axis=-1, keepdims=True))
    return dS @ k * scale, dS.transpose(0, 2, 1) @ q * scale, dv
    ### END SOLUTION
