"""Week 5, the LSTM: written independently of the reference.

Everything is computed in float32, states and results included. The four gates are four separate
products (Wx and Wh cut into their i, f, g, o blocks of width H, each multiplied on its own), the
sigmoid is written as exp(−log(1 + exp(−z))) = exp(−logaddexp(0, −z)), and its derivative as
σ(z)·σ(−z). The step functions keep dicts; ``lstm_forward`` and ``lstm_backward`` loop over time
with their own code (the step functions are not reused), and the weights' gradients are summed
in one contraction over the batch and the steps after the loop.
"""

import numpy as np

DTYPE = np.float32
GATES = ("i", "f", "g", "o")


def _f32(*arrays):
    return [np.asarray(a, dtype=DTYPE) for a in arrays]


def _sigmoid(z):
    return np.exp(-np.logaddexp(DTYPE(0), -z)).astype(DTYPE)


def _blocks(W, H):
    return {gate: W[..., k * H:(k + 1) * H] for k, gate in enumerate(GATES)}


def _gates(x, h_prev, Wx, Wh, b):
    """The pre-activations (dict) and the activations (dict) of the four gates."""
    H = h_prev.shape[1]
    wx, wh, bb = _blocks(Wx, H), _blocks(Wh, H), _blocks(b, H)
    pre = {k: x @ wx[k] + h_prev @ wh[k] + bb[k] for k in GATES}
    act = {k: (np.tanh(pre[k]) if k == "g" else _sigmoid(pre[k])) for k in GATES}
    return pre, act


def _gate_grads(dh, dc_total, act, pre, c_prev, tanh_c):
    """d(pre-activation) of each gate, as a dict."""
    i, f, g, o = (act[k] for k in GATES)
    sig_prime = {k: act[k] * _sigmoid(-pre[k]) for k in ("i", "f", "o")}
    return {"i": dc_total * g * sig_prime["i"], "f": dc_total * c_prev * sig_prime["f"],
            "g": dc_total * i * (1 - g) * (1 + g), "o": dh * tanh_c * sig_prime["o"]}


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    x, h_prev, c_prev, Wx, Wh, b = _f32(x, h_prev, c_prev, Wx, Wh, b)
    pre, act = _gates(x, h_prev, Wx, Wh, b)
    c = act["f"] * c_prev + act["i"] * act["g"]
    tanh_c = np.tanh(c)
    h = act["o"] * tanh_c
    return h, c, {"x": x, "h_prev": h_prev, "c_prev": c_prev, "Wx": Wx, "Wh": Wh, "pre": pre, "act": act,
                  "tanh_c": tanh_c}


def lstm_step_backward(dh, dc, cache):
    dh, dc = _f32(dh, dc)
    act, tanh_c = cache["act"], cache["tanh_c"]
    H = dh.shape[1]
    dc_total = dc + dh * act["o"] * (1 - tanh_c) * (1 + tanh_c)
    da = _gate_grads(dh, dc_total, act, cache["pre"], cache["c_prev"], tanh_c)
    wx, wh = _blocks(cache["Wx"], H), _blocks(cache["Wh"], H)
    dx = sum(da[k] @ wx[k].T for k in GATES)
    dh_prev = sum(da[k] @ wh[k].T for k in GATES)
    dWx = np.concatenate([cache["x"].T @ da[k] for k in GATES], axis=1)
    dWh = np.concatenate([cache["h_prev"].T @ da[k] for k in GATES], axis=1)
    db = np.concatenate([da[k].sum(axis=0) for k in GATES])
    return dx, dh_prev, dc_total * act["f"], dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    x, h0, Wx, Wh, b = _f32(x, h0, Wx, Wh, b)
    N, T, _ = x.shape
    H = h0.shape[1]
    hs = np.empty((N, T + 1, H), dtype=DTYPE)
    cs = np.zeros((N, T + 1, H), dtype=DTYPE)
    hs[:, 0] = h0
    steps = []
    for t in range(T):
        pre, act = _gates(x[:, t], hs[:, t], Wx, Wh, b)
        cs[:, t + 1] = act["f"] * cs[:, t] + act["i"] * act["g"]
        hs[:, t + 1] = act["o"] * np.tanh(cs[:, t + 1])
        steps.append((pre, act))
    return hs[:, 1:].copy(), {"x": x, "hs": hs, "cs": cs, "Wx": Wx, "Wh": Wh, "steps": steps}


def lstm_backward(dh, cache):
    x, hs, cs, Wx, Wh, steps = (cache[k] for k in ("x", "hs", "cs", "Wx", "Wh", "steps"))
    dh = np.asarray(dh, dtype=DTYPE)
    N, T, H = dh.shape
    wx, wh = _blocks(Wx, H), _blocks(Wh, H)
    da_all = np.empty((N, T, 4 * H), dtype=DTYPE)
    dx = np.empty(x.shape, dtype=DTYPE)
    dh_carry, dc_carry = np.zeros((N, H), dtype=DTYPE), np.zeros((N, H), dtype=DTYPE)
    for t in range(T - 1, -1, -1):
        pre, act = steps[t]
        tanh_c = np.tanh(cs[:, t + 1])
        dh_t = dh[:, t] + dh_carry
        dc_total = dc_carry + dh_t * act["o"] * (1 - tanh_c) * (1 + tanh_c)
        da = _gate_grads(dh_t, dc_total, act, pre, cs[:, t], tanh_c)
        da_all[:, t] = np.concatenate([da[k] for k in GATES], axis=1)
        dx[:, t] = sum(da[k] @ wx[k].T for k in GATES)
        dh_carry = sum(da[k] @ wh[k].T for k in GATES)
        dc_carry = dc_total * act["f"]
    dWx = np.einsum("ntd,ntk->dk", x, da_all)
    dWh = np.einsum("ntj,ntk->jk", hs[:, :-1], da_all)
    return dx, dh_carry, dWx, dWh, da_all.sum(axis=(0, 1))
