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
    ### BEGIN SOLUTION week1.minibatches
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]
    ### END SOLUTION


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
    ### BEGIN SOLUTION week1.train_softmax
    # Recipe: standardise every feature so that one learning rate suits all of them,
    # minibatch SGD with momentum and a light L2 penalty on the weights (not the
    # bias), then fold the standardisation back into W so that it applies to raw X.
    # Everything is inline (no calls to other exercises), so a bug elsewhere cannot
    # cost this exercise.
    batch_size, lr, momentum, lam, epochs = 64, 0.1, 0.9, 1e-3, 40
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    N, D = X.shape
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std[std == 0] = 1.0  # constant features (blank pixels) stay at 0 after centring
    A = np.hstack([np.ones((N, 1)), (X - mean) / std])
    onehot = np.eye(num_classes)[y]

    W = np.zeros((D + 1, num_classes))
    velocity = np.zeros_like(W)
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start : start + batch_size]
            scores = A[idx] @ W
            scores -= scores.max(axis=1, keepdims=True)
            P = np.exp(scores)
            P /= P.sum(axis=1, keepdims=True)
            grad = A[idx].T @ (P - onehot[idx]) / len(idx)
            grad[1:] += 2.0 * lam * W[1:]
            velocity = momentum * velocity + lr * grad
            W -= velocity

    # scores = b + ((x − mean)/std)·V = (b − (mean/std)·V) + x·(V/std)
    W[1:] /= std[:, None]
    W[0] -= mean @ W[1:]
    return W
    ### END SOLUTION
