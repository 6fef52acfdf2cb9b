"""Scaled dot-product attention written another way, in float32 throughout: one query at a
time, the causal mask as a large negative constant added to the scores (it must stay far
below every real score, and exp of it minus the row's maximum must be exactly 0), the scale
applied to q before the products, and the backward from the softmax's Jacobian matrix
diag(p) − p·pᵀ built row by row."""

import numpy as np

HIDDEN = np.float32(-1e30)  # far below any score, and exp(HIDDEN − max) == 0 in float32


def attention_forward(q, k, v, causal=False):
    q, k, v = (np.asarray(a, dtype=np.float32) for a in (q, k, v))
    N, Tq, d = q.shape
    Tk = k.shape[1]
    scale = np.float32(1.0 / np.sqrt(d))
    qs = q * scale
    weights = np.zeros((N, Tq, Tk), dtype=np.float32)
    out = np.zeros((N, Tq, v.shape[-1]), dtype=np.float32)
    for n in range(N):
        for i in range(Tq):
            scores = k[n] @ qs[n, i]
            if causal:
                scores = scores + np.where(np.arange(Tk) > i, HIDDEN, np.float32(0.0))
            e = np.exp(scores - scores.max())
            p = e / e.sum()
            weights[n, i] = p
            out[n, i] = p @ v[n]
    return out, {"qs": qs, "k": k, "v": v, "p": weights, "scale": scale}


def attention_backward(dout, cache):
    qs, k, v, P, scale = cache["qs"], cache["k"], cache["v"], cache["p"], cache["scale"]
    dout = np.asarray(dout, dtype=np.float32)
    N, Tq, _ = qs.shape
    dq, dk, dv = np.zeros_like(qs), np.zeros_like(k), np.zeros_like(v)
    for n in range(N):
        for i in range(Tq):
            p = P[n, i]
            dv[n] += np.outer(p, dout[n, i])
            dp = v[n] @ dout[n, i]
            ds = (np.diag(p) - np.outer(p, p)) @ dp  # the softmax's Jacobian (symmetric)
            dq[n, i] = scale * (ds @ k[n])
            dk[n] += np.outer(ds, qs[n, i])  # qs holds the scale already
    return dq, dk, dv
