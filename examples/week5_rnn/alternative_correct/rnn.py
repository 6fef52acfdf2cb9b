"""Week 5, the vanilla RNN and gradient clipping: written independently of the reference.

Everything is computed in float32, states and results included:

* ``rnn_step_forward`` loops over the examples of the batch, one row at a time, and keeps the
  pre-activation in a dict; ``rnn_step_backward`` takes tanh's derivative as (1 − h)(1 + h).
* ``rnn_forward`` runs its own loop over time (the step functions are not reused);
  ``rnn_backward`` first collects every step's da, going back in time, then forms dWx, dWh and
  db in one contraction over the batch and the steps together (einsum), not step by step.
* ``clip_grad_norm`` measures the total norm as the norm of all entries concatenated and divides
  by max(1, total/max_norm) (no 1e-6 in the denominator: equal to torch's within 1e-6 of total).
"""

import numpy as np

DTYPE = np.float32


def _f32(*arrays):
    return [np.asarray(a, dtype=DTYPE) for a in arrays]


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    x, h_prev, Wx, Wh, b = _f32(x, h_prev, Wx, Wh, b)
    h = np.empty((x.shape[0], Wx.shape[1]), dtype=DTYPE)
    for n in range(x.shape[0]):
        h[n] = np.tanh(x[n] @ Wx + h_prev[n] @ Wh + b)
    return h, {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "h": h}


def rnn_step_backward(dh, cache):
    h = cache["h"]
    da = np.asarray(dh, dtype=DTYPE) * ((1 - h) * (1 + h))
    dx = np.einsum("nh,dh->nd", da, cache["Wx"])
    dh_prev = np.einsum("nh,kh->nk", da, cache["Wh"])
    dWx = np.einsum("nd,nh->dh", cache["x"], da)
    dWh = np.einsum("nk,nh->kh", cache["h_prev"], da)
    return dx, dh_prev, dWx, dWh, np.einsum("nh->h", da)


def rnn_forward(x, h0, Wx, Wh, b):
    x, h0, Wx, Wh, b = _f32(x, h0, Wx, Wh, b)
    N, T, _ = x.shape
    states = np.empty((N, T + 1, h0.shape[1]), dtype=DTYPE)  # states[:, 0] is h0
    states[:, 0] = h0
    for t in range(T):
        states[:, t + 1] = np.tanh(x[:, t] @ Wx + states[:, t] @ Wh + b)
    return states[:, 1:].copy(), {"x": x, "states": states, "Wx": Wx, "Wh": Wh}


def rnn_backward(dh, cache):
    x, states, Wx, Wh = cache["x"], cache["states"], cache["Wx"], cache["Wh"]
    dh = np.asarray(dh, dtype=DTYPE)
    T = x.shape[1]
    das = np.empty_like(dh)
    carried = np.zeros_like(states[:, 0])
    for t in range(T - 1, -1, -1):
        h = states[:, t + 1]
        das[:, t] = (dh[:, t] + carried) * ((1 - h) * (1 + h))
        carried = das[:, t] @ Wh.T
    dx = np.einsum("nth,dh->ntd", das, Wx)
    dWx = np.einsum("ntd,nth->dh", x, das)
    dWh = np.einsum("ntk,nth->kh", states[:, :-1], das)
    return dx, carried, dWx, dWh, das.sum(axis=(0, 1))


def clip_grad_norm(grads, max_norm):
    total = float(np.linalg.norm(np.concatenate([np.ravel(g) for g in grads])))
    divisor = max(1.0, total / max_norm)
    if divisor > 1.0:
        for g in grads:
            np.divide(g, divisor, out=g, casting="unsafe")
    return total
