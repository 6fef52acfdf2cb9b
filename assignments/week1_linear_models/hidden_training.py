"""Hidden checks for training.py: the statistics of the shuffling, its dependence
on the given generator, and accuracy on the held-out test split."""

import itertools
import math

import numpy as np

from grader.datasets import digits
from grader.registry import CheckFailed, check

from .public_training import assert_one_epoch, epoch, judge_classifier, RUBRIC


@check("week1.minibatches", points=1)
def order_is_fresh_and_from_rng(sub, ref):
    """Check that each epoch is a new random order drawn from the given rng (and only from it)."""
    n, bs = 50, 7
    rng = sub.rng(123)
    first, second = epoch(sub, n, bs, rng), epoch(sub, n, bs, rng)
    for e in (first, second):
        assert_one_epoch(e, n, bs)
    a, b = np.concatenate(first), np.concatenate(second)
    if np.array_equal(a, np.arange(n)) and np.array_equal(b, np.arange(n)):
        raise CheckFailed("the indices come out in order 0, 1, 2, …: shuffle them with rng.permutation (or similar)")
    if np.array_equal(a, b):
        raise CheckFailed("two epochs drawn from the same rng had the same order: draw a fresh permutation every epoch")
    again = np.concatenate(epoch(sub, n, bs, sub.rng(123)))
    if not np.array_equal(a, again):
        raise CheckFailed("two generators with the same seed gave different orders: draw the randomness only from the "
                          "rng argument (not from np.random or the clock)")


@check("week1.minibatches", points=1, name="every order is equally likely (pairwise statistics over 200 epochs)")
def order_is_uniform(sub, ref):
    """Check that index i precedes index j in about half of the epochs, for every pair."""
    n, epochs = 6, RUBRIC["uniformity_epochs"]
    rng = sub.rng(2024)
    before = np.zeros((n, n))
    for _ in range(epochs):
        batches = epoch(sub, n, 4, rng)
        assert_one_epoch(batches, n, 4)
        order = np.concatenate(batches)
        pos = np.empty(n, dtype=int)
        pos[order] = np.arange(n)
        before += pos[:, None] < pos[None, :]
    # Under a uniform permutation each pair's fraction is a mean of Bernoulli(1/2) draws:
    # accept within `sigmas` standard errors, so a correct shuffle fails with probability < 1e-9.
    sigmas = RUBRIC["uniformity_sigmas"]
    bound = sigmas * math.sqrt(0.25 / epochs)
    for i, j in itertools.combinations(range(n), 2):
        frac = before[i, j] / epochs
        if abs(frac - 0.5) > bound:
            raise CheckFailed(f"index {i} came before index {j} in {frac:.0%} of {epochs} epochs, expected about 50%: "
                              "the order is not a uniformly random permutation (use rng.permutation(n))")


@check("week1.train_softmax", points=2, timeout=60)
def reaches_threshold_on_test(sub, ref):
    """Check that the classifier trained on training and validation data, with another seed, reaches the threshold on the held-out test split."""
    d = digits()
    X = np.concatenate([d["X_train"], d["X_val"]])
    y = np.concatenate([d["y_train"], d["y_val"]])
    judge_classifier(sub, X, y, d["X_test"], d["y_test"], seed=99, split_name="held-out test")
