"""A vanilla recurrent network, one step and through time, with gradient clipping, in NumPy.

Sequences are batches of shape (N, T, D): N sequences, T time steps, D features per step.
Hidden states are (N, H). A forward returns ``(h, cache)``; the cache holds whatever the
backward pass needs and is handed back to it unchanged, so its contents are yours to choose.
"""

import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of a vanilla RNN: h = tanh(x·Wx + h_prev·Wh + b).

    Args:
        x: inputs of this step, shape (N, D).
        h_prev: the previous hidden state, shape (N, H).
        Wx: input-to-hidden weights, shape (D, H).
        Wh: hidden-to-hidden weights, shape (H, H).
        b: biases, shape (H,).

    Returns:
        ``(h, cache)``: the new hidden state (N, H), and what ``rnn_step_backward`` needs.
    """
    ### BEGIN SOLUTION week5.rnn_step
    x, h_prev, Wx, Wh, b = (np.asarray(a, dtype=float) for a in (x, h_prev, Wx, Wh, b))
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h)
    ### END SOLUTION


def rnn_step_backward(dh, cache):
    """The gradients of a loss L through one RNN step, given dh = ∂L/∂h.

    With a = x·Wx + h_prev·Wh + b and h = tanh(a): da = dh·(1 − h²), dx = da·Wxᵀ,
    dh_prev = da·Whᵀ, dWx = xᵀ·da, dWh = h_prevᵀ·da, db = Σ_n da.

    Args:
        dh: upstream gradient, shape (N, H).
        cache: what ``rnn_step_forward`` returned with ``h``.

    Returns:
        ``(dx, dh_prev, dWx, dWh, db)`` shaped like x, h_prev, Wx, Wh and b.
    """
    ### BEGIN SOLUTION week5.rnn_step
    x, h_prev, Wx, Wh, h = cache
    da = np.asarray(dh, dtype=float) * (1.0 - h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    ### END SOLUTION


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over whole sequences: h_t = tanh(x_t·Wx + h_{t−1}·Wh + b), from h0.

    Args:
        x: inputs, shape (N, T, D).
        h0: the initial hidden state, shape (N, H).
        Wx, Wh, b: as in ``rnn_step_forward``, shared by every step.

    Returns:
        ``(h, cache)``: the hidden states of every step, shape (N, T, H) (h[:, t] is h_t),
        and what ``rnn_backward`` needs.
    """
    ### BEGIN SOLUTION week5.rnn
    x = np.asarray(x, dtype=float)
    N, T, _ = x.shape
    h_prev = np.asarray(h0, dtype=float)
    hs, caches = np.empty((N, T, h_prev.shape[1])), []
    for t in range(T):
        h_prev, step_cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        hs[:, t] = h_prev
        caches.append(step_cache)
    return hs, caches
    ### END SOLUTION


def rnn_backward(dh, cache):
    """Backpropagation through time.

    ``dh[:, t]`` is the upstream gradient of h_t from the layers above (a loss on every
    step; zeros where a step has none). h_t also feeds h_{t+1}, so the gradient reaching
    h_t is dh[:, t] plus what flows back from step t + 1; the weights' gradients are
    summed over the steps.

    Args:
        dh: upstream gradients of every hidden state, shape (N, T, H).
        cache: what ``rnn_forward`` returned with ``h``.

    Returns:
        ``(dx, dh0, dWx, dWh, db)`` shaped like x (N, T, D), h0 (N, H), Wx, Wh and b.
    """
    ### BEGIN SOLUTION week5.rnn
    dh = np.asarray(dh, dtype=float)
    N, T, H = dh.shape
    x0, _, Wx, Wh, _ = cache[0]
    dx = np.empty((N, T, x0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
    ### END SOLUTION


def clip_grad_norm(grads, max_norm):
    """Scale a list of gradient arrays, in place, so that their total 2-norm is at most max_norm.

    As ``torch.nn.utils.clip_grad_norm_``: the total norm is the 2-norm of all the arrays'
    entries together, ‖g‖ = √(Σ_arrays Σ g²); when it exceeds max_norm, every array is
    multiplied by the same factor max_norm / (‖g‖ + 1e-6). Below max_norm, nothing changes.

    Args:
        grads: a list of NumPy arrays, changed in place.
        max_norm: a positive float.

    Returns:
        The total norm before clipping (a float).
    """
    ### BEGIN SOLUTION week5.clip
    total = float(np.sqrt(sum(np.sum(np.square(g, dtype=float)) for g in grads)))
    if total > max_norm:
        for g in grads:
            g *= max_norm / (total + 1e-6)
    return total
    ### END SOLUTION
