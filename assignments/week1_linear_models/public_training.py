"""Public checks for training.py: minibatches judged on their properties, and the
softmax classifier trained by the student's own function on the digits."""

import numpy as np

from grader.compare import as_array, describe, fmt
from grader.heldout import digits
from grader.registry import CheckFailed, check, load_rubric
from grader.training import assert_accuracy

RUBRIC = load_rubric(__file__)["training"]


def epoch(sub, n, batch_size, rng):
    """One epoch of the student's iterate_minibatches as a list of integer arrays."""
    it = sub.training.iterate_minibatches(n, batch_size, rng, _keep=True)
    batches = it.collect(limit=n + 1) if hasattr(it, "collect") else it
    if not isinstance(batches, list):
        raise CheckFailed(f"iterate_minibatches should return an iterator over index arrays, got {describe(batches)}")
    out = []
    for i, b in enumerate(batches):
        arr = as_array(b, f"batch {i}")
        if arr.ndim != 1:
            raise CheckFailed(f"batch {i} should be a 1-d array of indices, got shape {arr.shape}")
        if not np.all(arr == np.round(arr)):
            raise CheckFailed(f"batch {i} holds non-integer values such as {fmt(arr[arr != np.round(arr)][0])}")
        out.append(arr.astype(np.int64))
    return out


def assert_one_epoch(batches, n, batch_size):
    sizes = [len(b) for b in batches]
    full, rest = divmod(n, batch_size)
    expected = [batch_size] * full + ([rest] if rest else [])
    if sizes != expected:
        raise CheckFailed(f"for n={n}, batch_size={batch_size} the batch sizes were {sizes}, expected {expected} "
                          "(full batches, then one shorter batch with the remainder)")
    seen = np.concatenate(batches) if batches else np.array([], dtype=np.int64)
    counts = np.bincount(seen[(seen >= 0) & (seen < n)], minlength=n)
    if seen.min(initial=0) < 0 or seen.max(initial=0) >= n:
        raise CheckFailed(f"for n={n} an index outside [0, {n}) was produced: {int(seen[(seen < 0) | (seen >= n)][0])}")
    if not np.all(counts == 1):
        twice, never = np.flatnonzero(counts > 1), np.flatnonzero(counts == 0)
        raise CheckFailed(f"for n={n} one epoch must visit every index exactly once; index {int(never[0])} never "
                          f"appeared and index {int(twice[0])} appeared {int(counts[twice[0]])} times")


@check("week1.minibatches", points=1)
def one_epoch_covers_every_index(sub, ref):
    """Check that one epoch yields every index exactly once, in full batches and one shorter last batch."""
    for n, bs in ((103, 10), (40, 8), (5, 16), (1, 1)):
        assert_one_epoch(epoch(sub, n, bs, sub.rng(n)), n, bs)


def accuracy(W, X, y):
    """Accuracy of scores = [1, X] @ W (the bias is W's first row)."""
    scores = W[0] + X @ W[1:]
    return float(np.mean(np.argmax(scores, axis=1) == y))


def judge_classifier(sub, X_train, y_train, X_eval, y_eval, seed, split_name):
    """Train with the student's own train_softmax_classifier (the student's recipe) and judge
    the accuracy of scores = [1, X] @ W on (X_eval, y_eval), in grader.training's words."""
    num_classes = int(y_train.max()) + 1
    W = sub.training.train_softmax_classifier(X_train, y_train, num_classes, sub.rng(seed))
    D = X_train.shape[1]
    W = as_array(W, "the returned W", shape=(D + 1, num_classes))
    if not np.isfinite(W).all():
        raise CheckFailed("the returned W holds NaN or infinite values: the training diverged (is the learning rate too large?)")
    acc = accuracy(W, X_eval, y_eval)
    threshold = RUBRIC["accuracy_threshold"]
    if acc >= threshold:
        return
    bias_last = float(np.mean(np.argmax(W[-1] + X_eval @ W[:-1], axis=1) == y_eval))
    if bias_last >= threshold:
        advice = (f"With the bias taken from the LAST row the accuracy would be {bias_last:.3f}: the bias must be the "
                  "FIRST row of W (scores = [1, X] @ W).")
    elif acc < 0.5:
        advice = "That is far below chance-level learning: check the labels' one-hot encoding and the gradient's sign."
    else:
        advice = "The model learns but not enough: train longer, or use a larger learning rate or minibatches."
    assert_accuracy(acc, threshold, f"train_softmax_classifier on the digits, {split_name} split", advice)


@check("week1.train_softmax", points=2, timeout=60)
def reaches_threshold_on_validation(sub, ref):
    """Check that the classifier trained on the digits' training split reaches the threshold on the validation split."""
    d = digits()
    judge_classifier(sub, d["X_train"], d["y_train"], d["X_val"], d["y_val"], seed=0, split_name="validation")
