"""Week 1, training, in float32 (alternative_correct's version: the indices are integers,
the classifier is trained entirely in float32).

* ``iterate_minibatches`` draws its permutation as the argsort of n uniform numbers
  and cuts it with a while loop.
* ``train_softmax_classifier`` standardises the features, runs minibatch Adam on the
  softmax cross-entropy with a small L2 penalty (all in float32, gradient written
  inline), then folds the standardisation back into W so that it applies to raw X.
"""

import numpy as np


def iterate_minibatches(n, batch_size, rng):
    """Yield one epoch of index batches: a uniformly random permutation of range(n), in chunks."""
    order = rng.random(int(n)).argsort(kind="stable")
    pos = 0
    while pos < n:
        yield order[pos:pos + batch_size]
        pos += batch_size


def train_softmax_classifier(X, y, num_classes, rng):
    """Softmax regression with bias (row 0 of W), scores = [1, X] @ W, W of shape (D+1, K)."""
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y).astype(np.intp)
    n, d = X.shape
    k = int(num_classes)

    # standardise (constant columns keep scale 1)
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    sd[sd < 1e-6] = np.float32(1.0)
    Xs = (X - mu) / sd
    Xb = np.hstack([np.ones((n, 1), dtype=np.float32), Xs])

    V = (rng.normal(size=(d + 1, k)) * 0.01).astype(np.float32)
    onehot = np.zeros((n, k), dtype=np.float32)
    onehot[np.arange(n), y] = 1.0

    lr, b1, b2, eps, l2 = 2e-2, 0.9, 0.999, 1e-8, 1e-3
    m = np.zeros_like(V)
    v = np.zeros_like(V)
    t = 0
    batch, epochs = 64, 40
    for _ in range(epochs):
        order = rng.choice(n, size=n, replace=False)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            A = Xb[idx]
            S = A @ V
            S -= S.max(axis=1, keepdims=True)
            P = np.exp(S)
            P /= P.sum(axis=1, keepdims=True)
            G = A.T @ (P - onehot[idx]) / np.float32(len(idx))
            G[1:] += np.float32(2 * l2) * V[1:]        # the bias row is not penalised
            t += 1
            m = b1 * m + (1 - b1) * G
            v = b2 * v + (1 - b2) * G * G
            step = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            V -= (step * m / (np.sqrt(v) + eps)).astype(np.float32)

    # fold the standardisation back: [1, (X − mu)/sd] V = [1, X] W
    W = np.empty_like(V)
    W[1:] = V[1:] / sd[:, None]
    W[0] = V[0] - (mu / sd) @ V[1:]
    return W
