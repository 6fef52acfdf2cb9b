"""A long short-term memory network (LSTM), one step and through time, in NumPy.

The four gates share one affine map: a = x·Wx + h_prev·Wh + b of width 4H, split in the
order i, f, g, o (input gate, forget gate, candidate cell, output gate), as PyTorch's
``nn.LSTMCell`` and ``nn.LSTM`` store them: ``Wx = weight_ih.T``, ``Wh = weight_hh.T``,
``b = bias_ih + bias_hh``.
"""

import numpy as np


def _sigmoid(z):
    """1 / (1 + exp(−z)) without overflow: ½·(1 + tanh(z/2))."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One LSTM step.

    i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o) with [a_i, a_f, a_g, a_o] = x·Wx + h_prev·Wh + b;
    c = f ⊙ c_prev + i ⊙ g and h = o ⊙ tanh(c).

    Args:
        x: inputs of this step, shape (N, D).
        h_prev, c_prev: the previous hidden and cell states, shape (N, H).
        Wx: shape (D, 4H); Wh: shape (H, 4H); b: shape (4H,); gates in the order i, f, g, o.

    Returns:
        ``(h, c, cache)``: the new hidden and cell states (N, H), and what
        ``lstm_step_backward`` needs.
    """
    ### BEGIN SOLUTION week5.lstm_step
    x, h_prev, c_prev, Wx, Wh, b = (np.asarray(a, dtype=float) for a in (x, h_prev, c_prev, Wx, Wh, b))
    a = x @ Wx + h_prev @ Wh + b
    H = h_prev.shape[1]
    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])
    g = np.tanh(a[:, 2 * H:3 * H])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c)
    ### END SOLUTION


def lstm_step_backward(dh, dc, cache):
    """The gradients of a loss L through one LSTM step, given dh = ∂L/∂h and dc = ∂L/∂c
    (the gradient of the cell state from the next step; zeros for the last one).

    Args:
        dh, dc: upstream gradients, shape (N, H).
        cache: what ``lstm_step_forward`` returned with ``h`` and ``c``.

    Returns:
        ``(dx, dh_prev, dc_prev, dWx, dWh, db)`` shaped like x, h_prev, c_prev, Wx, Wh and b.
    """
    ### BEGIN SOLUTION week5.lstm_step
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tanh_c = cache
    dh, dc = np.asarray(dh, dtype=float), np.asarray(dc, dtype=float)
    dc_total = dc + dh * o * (1.0 - tanh_c**2)
    da = np.concatenate([dc_total * g * i * (1.0 - i),
                         dc_total * c_prev * f * (1.0 - f),
                         dc_total * i * (1.0 - g**2),
                         dh * tanh_c * o * (1.0 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    ### END SOLUTION


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM over whole sequences, from h0 and c0 = 0; equals a one-layer
    ``torch.nn.LSTM(batch_first=True)`` with these weights.

    Args:
        x: inputs, shape (N, T, D).
        h0: the initial hidden state, shape (N, H); the initial cell state is zero.
        Wx, Wh, b: as in ``lstm_step_forward``, shared by every step.

    Returns:
        ``(h, cache)``: the hidden states of every step, shape (N, T, H), and what
        ``lstm_backward`` needs.
    """
    ### BEGIN SOLUTION week5.lstm
    x = np.asarray(x, dtype=float)
    N, T, _ = x.shape
    h = np.asarray(h0, dtype=float)
    c = np.zeros_like(h)
    hs, caches = np.empty((N, T, h.shape[1])), []
    for t in range(T):
        h, c, step_cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs[:, t] = h
        caches.append(step_cache)
    return hs, caches
    ### END SOLUTION


def lstm_backward(dh, cache):
    """Backpropagation through time for ``lstm_forward``: ``dh[:, t]`` is the upstream
    gradient of h_t; both h_t and c_t also carry gradient back from step t + 1.

    Args:
        dh: upstream gradients of every hidden state, shape (N, T, H).
        cache: what ``lstm_forward`` returned with ``h``.

    Returns:
        ``(dx, dh0, dWx, dWh, db)`` shaped like x (N, T, D), h0 (N, H), Wx, Wh and b.
    """
    ### BEGIN SOLUTION week5.lstm
    dh = np.asarray(dh, dtype=float)
    N, T, H = dh.shape
    Wx, Wh = cache[0][3], cache[0][4]
    dx = np.empty((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * H)
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t] + dh_next, dc_next, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_next, dWx, dWh, db
    ### END SOLUTION
