"""Hidden checks for training.py: the statistics of the shuffling (pairs, positions and
consecutive epochs, with k-sigma bounds from grader.oracles), its dependence on the given
generator, and accuracy on the held-out test split."""

import itertools

import numpy as np

from grader.heldout import digits
from grader.oracles import assert_within, proportion_bound, sigmas_for
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


def order_tests(positions):
    """The cell-by-cell tests of i.i.d. uniform permutations, from ``positions[e, i]`` (the
    position of index i in epoch e): (fraction observed, its expectation p, the number of
    draws it is a fraction of, what it is, advice), one per cell of three tables:

    * pairs: for i < j, the fraction of epochs in which i came before j (p = 1/2);
    * positions: for index i and position k, the fraction of epochs with i at k (p = 1/n);
    * transitions: for positions k and l, the fraction of consecutive epochs e, e + 1 in which
      the index at k in epoch e was at l in epoch e + 1 (p = 1/n: under independent uniform
      epochs, each step's permutation P_eᵀP_{e+1} is itself uniform and independent of the
      others, so every cell is a Binomial(epochs − 1, 1/n) count).
    """
    epochs, n = positions.shape
    uniform = "the order is not a uniformly random permutation (use rng.permutation(n))"
    out = []
    before = (positions[:, :, None] < positions[:, None, :]).mean(axis=0)
    for i, j in itertools.combinations(range(n), 2):
        out.append((before[i, j], 0.5, epochs, f"the fraction of {epochs} epochs in which index {i} came before "
                    f"index {j}", uniform))
    at = np.stack([(positions == k).mean(axis=0) for k in range(n)], axis=1)  # at[i, k]
    for i, k in itertools.product(range(n), repeat=2):
        out.append((at[i, k], 1.0 / n, epochs, f"the fraction of {epochs} epochs in which index {i} was at "
                    f"position {k}", uniform))
    moved = np.zeros((n, n))
    np.add.at(moved, (positions[:-1].ravel(), positions[1:].ravel()), 1.0)
    moved /= epochs - 1
    for k, l in itertools.product(range(n), repeat=2):
        out.append((moved[k, l], 1.0 / n, epochs - 1, f"the fraction of {epochs - 1} pairs of consecutive epochs in "
                    f"which the index at position {k} moved to position {l}",
                    "consecutive epochs are not independent: draw a fresh permutation from rng in every epoch, "
                    "never one derived from the previous epoch's order"))
    return out


@check("week1.minibatches", points=1,
       name="every order is equally likely, independently each epoch (pair, position and transition statistics over 200 epochs)")
def order_is_uniform(sub, ref):
    """Check that the epochs' orders behave as independent uniformly random permutations, cell by cell."""
    n, epochs = 6, RUBRIC["uniformity_epochs"]
    rng = sub.rng(2024)
    positions = np.empty((epochs, n), dtype=np.int64)
    for e in range(epochs):
        batches = epoch(sub, n, 4, rng)
        assert_one_epoch(batches, n, 4)
        positions[e, np.concatenate(batches)] = np.arange(n)
    tests = order_tests(positions)
    # Each cell is a fraction of Bernoulli(p) draws, allowed `sigmas` standard errors, so that a correct
    # shuffle fails any of the cells with probability about uniformity_false_alarm (rubric.toml); the
    # message reports the cell that strays furthest relative to its bound, the most telling one.
    sigmas = sigmas_for(RUBRIC["uniformity_false_alarm"], tests=len(tests))
    frac, p, draws, what, advice = max(tests, key=lambda c: abs(c[0] - c[1]) / proportion_bound(c[1], c[2], sigmas))
    assert_within(frac, p, proportion_bound(p, draws, sigmas), what, advice)


@check("week1.train_softmax", points=2, timeout=60)
def reaches_threshold_on_test(sub, ref):
    """Check that the classifier trained on training and validation data, with another seed, reaches the threshold on the held-out test split."""
    d = digits()
    X = np.concatenate([d["X_train"], d["X_val"]])
    y = np.concatenate([d["y_train"], d["y_val"]])
    judge_classifier(sub, X, y, d["X_test"], d["y_test"], seed=99, split_name="held-out test")
