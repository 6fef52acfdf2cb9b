"""Embeddings and the masked sequence loss written another way, in float32 throughout: the
lookup as a one-hot matrix product, its gradient as the transposed product, and the loss one
position at a time with the log-sum-exp as np.logaddexp.reduce.

float32 is enough here: the loss and the gradients need relative precision, not float64."""

import numpy as np


def embedding_forward(ids, W):
    ids = np.asarray(ids).astype(np.int64)
    W = np.asarray(W, dtype=np.float32)
    onehot = np.zeros(ids.shape + (W.shape[0],), dtype=np.float32)  # (N, T, V)
    for n in range(ids.shape[0]):
        for t in range(ids.shape[1]):
            onehot[n, t, ids[n, t]] = 1.0
    return onehot @ W, onehot


def embedding_backward(dout, cache):
    onehot = cache
    dout = np.asarray(dout, dtype=np.float32)
    V, D = onehot.shape[-1], dout.shape[-1]
    return onehot.reshape(-1, V).T @ dout.reshape(-1, D)  # Σ over positions of onehot ⊗ dout


def temporal_softmax_loss(logits, targets, mask):
    logits = np.asarray(logits, dtype=np.float32)
    targets = np.asarray(targets)
    keep = np.asarray(mask) != 0
    N, T, V = logits.shape
    count = np.float32(keep.sum())
    loss = np.float32(0.0)
    dlogits = np.zeros_like(logits)
    for n in range(N):
        for t in range(T):
            if not keep[n, t]:
                continue
            row = logits[n, t]
            logp = row - np.logaddexp.reduce(row)
            y = int(targets[n, t])
            loss -= logp[y]
            grad = np.exp(logp)
            grad[y] -= 1.0
            dlogits[n, t] = grad / count
    return loss / count, dlogits
