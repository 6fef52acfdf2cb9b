"""Word (or character) embeddings and the loss of a sequence model, in NumPy.

Token ids are integer arrays of shape (N, T); an embedding matrix W of shape (V, D) holds
one D-dimensional vector per id of a vocabulary of V tokens.
"""

import numpy as np


def embedding_forward(ids, W):
    """Look up each id's row of W: out[n, t] = W[ids[n, t]].

    Args:
        ids: integer array of shape (N, T), values in [0, V).
        W: embedding matrix, shape (V, D).

    Returns:
        ``(out, cache)``: out of shape (N, T, D), and what ``embedding_backward`` needs.
    """
    ### BEGIN SOLUTION week5.embedding
    ids = np.asarray(ids, dtype=np.int64)
    W = np.asarray(W, dtype=float)
    return W[ids], (ids, W.shape)
    ### END SOLUTION


def embedding_backward(dout, cache):
    """The gradient of a loss with respect to W, given dout = ∂L/∂out.

    Row v of dW is the sum of dout[n, t] over every position where ids[n, t] = v (an id
    that appears several times accumulates all its gradients; rows of ids that never
    appear are zero).

    Args:
        dout: upstream gradient, shape (N, T, D).
        cache: what ``embedding_forward`` returned with ``out``.

    Returns:
        dW, shaped like W (V, D).
    """
    ### BEGIN SOLUTION week5.embedding
    ids, shape = cache
    dW = np.zeros(shape)
    np.add.at(dW, ids, np.asarray(dout, dtype=float))
    return dW
    ### END SOLUTION


def temporal_softmax_loss(logits, targets, mask):
    """The mean cross-entropy of a sequence model over the positions the mask keeps.

    loss = Σ_{n,t} mask[n, t]·(−log softmax(logits[n, t])[targets[n, t]]) / Σ_{n,t} mask[n, t],
    as ``torch.nn.functional.cross_entropy`` with ``ignore_index`` marking the masked-out
    positions; computed with log-sum-exp, so that logits up to 1e4 give finite values.

    Args:
        logits: scores, shape (N, T, V).
        targets: integer array of shape (N, T), values in [0, V).
        mask: array of shape (N, T) of booleans (or 0/1): True where the position counts;
            at least one position counts.

    Returns:
        ``(loss, dlogits)``: the loss (a float) and its gradient with respect to logits,
        shape (N, T, V).
    """
    ### BEGIN SOLUTION week5.temporal_softmax
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets, dtype=np.int64)
    mask = np.asarray(mask).astype(float)
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    count = mask.sum()
    loss = float(-(mask * picked).sum() / count)
    dlogits = np.exp(logp)
    np.put_along_axis(dlogits, targets[..., None], np.take_along_axis(dlogits, targets[..., None], axis=-1) - 1.0,
                      axis=-1)
    return loss, dlogits * (mask / count)[..., None]
    ### END SOLUTION
