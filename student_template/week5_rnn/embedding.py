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
    raise NotImplementedError("week5.embedding")


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
    raise NotImplementedError("week5.embedding")


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
    raise NotImplementedError("week5.temporal_softmax")
