"""Minibatch training: one epoch of shuffled minibatches, and a softmax classifier."""

import numpy as np


def iterate_minibatches(n, batch_size, rng):
    """Yield the index arrays of one epoch: a fresh permutation of range(n), cut into batches.

    Every index in ``0 … n−1`` appears exactly once per epoch; all batches hold
    ``batch_size`` indices except possibly the last, which holds the remainder.
    This is a generator: loop over it (``for idx in iterate_minibatches(...)``) and
    use ``X[idx], y[idx]``.

    Args:
        n: number of examples.
        batch_size: indices per batch, ≥ 1.
        rng: a ``numpy.random.Generator``, the only source of randomness.

    Yields:
        Integer arrays of indices, shape (batch_size,) or shorter for the last batch.
    """
    raise NotImplementedError("week1.minibatches")


def train_softmax_classifier(X, y, num_classes, rng):
    """W ≈ argmin_W mean cross-entropy(softmax([1, X] W), y), by minibatch gradient descent.

    Multinomial logistic regression with a bias. Convention: the scores of the
    examples are ``np.hstack([np.ones((N, 1)), X]) @ W``, so **row 0 of W is the
    bias** and rows ``1 … D`` weigh the features (the same order as the columns of
    ``polynomial_features``: bias first). Predict with ``scores.argmax(axis=1)``.

    The recipe (optimizer, learning rate, batch size, epochs, regularisation, feature
    scaling) is yours; it is judged by held-out accuracy on the digits data.

    Args:
        X: training inputs, shape (N, D).
        y: integer labels in [0, num_classes), shape (N,).
        num_classes: K, the number of classes.
        rng: a ``numpy.random.Generator`` that shuffles the minibatches.

    Returns:
        W of shape (D + 1, K).
    """
    raise NotImplementedError("week1.train_softmax")
