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
    raise NotImplementedError("week5.attention")


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
    raise NotImplementedError("week5.attention")
