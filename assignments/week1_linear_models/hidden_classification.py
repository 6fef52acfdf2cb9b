"""Hidden checks for classification.py: other shapes and the whole float range for the
sigmoid; scores and logits up to ±1e4 for the losses (finite and right, gradient
included); shift invariance and degenerate rows for softmax; larger problems by
directional derivatives and another small one by the full numerical gradient for
every gradient exercise; the l1 subgradient at exactly 0.
"""

import numpy as np
from scipy.special import expit

from grader.compare import as_array, as_float, assert_close, assert_finite, assert_no_warnings, fmt
from grader.registry import CheckFailed, check

from .public_classification import (SIGMOID_HINT, SOFTMAX_HINT, TOL, assert_cross_entropy, assert_l1, assert_l2,
                                    assert_logistic, assert_sigmoid, assert_softmax, cross_entropy_problem,
                                    logistic_problem, unpack_pair)

# --- week1.sigmoid ----------------------------------------------------------------


@check("week1.sigmoid", points=1)
def sigmoid_any_shape(sub, ref):
    """Check that sigmoid works elementwise on a Python float, a 0-d array and a 3-d array."""
    got = sub.classification.sigmoid(0.75)
    assert_close(as_float(got, "sigmoid(0.75)"), expit(0.75), "sigmoid(0.75)", rtol=TOL["rtol"], atol=TOL["atol"])
    got = sub.classification.sigmoid(np.array(-2.5))
    assert_close(as_float(got, "sigmoid(np.array(-2.5))"), expit(-2.5), "sigmoid(np.array(-2.5))",
                 rtol=TOL["rtol"], atol=TOL["atol"])
    z = 6.0 * np.random.default_rng(91).normal(size=(2, 3, 4))
    got = sub.classification.sigmoid(z)
    assert_sigmoid(got, z, "sigmoid(z) for z of shape (2, 3, 4)")


@check("week1.sigmoid", points=1)
def sigmoid_whole_range(sub, ref):
    """Check that sigmoid is accurate, monotone and free of overflow warnings over the whole float range, tails included."""
    mags = np.concatenate([np.logspace(-8, 4, 49), [36.0, 37.5, 708.0, 709.8, 710.0, 744.0, 745.5, 746.0]])
    z = np.sort(np.concatenate([-mags, [0.0], mags]))
    got = sub.classification.sigmoid(z)
    assert_no_warnings(sub, "sigmoid(z) for |z| from 1e-8 to 1e4", SIGMOID_HINT)
    got = assert_sigmoid(got, z, "sigmoid(z)")
    drops = np.flatnonzero(np.diff(got) < 0)
    if drops.size:
        i = int(drops[0])
        raise CheckFailed(f"sigmoid is not monotone: sigmoid({fmt(z[i])}) = {fmt(got[i])} > "
                          f"sigmoid({fmt(z[i + 1])}) = {fmt(got[i + 1])}. {SIGMOID_HINT}")


# --- week1.logistic ---------------------------------------------------------------


@check("week1.logistic", points=1)
def logistic_large_scores(sub, ref):
    """Check that logistic_loss and logistic_grad stay finite and right for scores up to ±1e4."""
    rng = np.random.default_rng(62)
    X = rng.normal(size=(12, 3))
    X[:3] *= 1e-4  # a few scores near 0, where the loss bends
    w = rng.normal(size=3)
    w *= 1e4 / np.abs(X @ w).max()
    y = rng.integers(0, 2, size=12)  # about half the large scores are confidently wrong
    assert_logistic(sub, w, X, y)


@check("week1.logistic", points=1)
def logistic_larger_and_small(sub, ref):
    """Check that logistic_loss and logistic_grad are right on a larger problem (500 × 20, directional) and another small one (full)."""
    w, X, y = logistic_problem(500, 20, seed=63, scale=0.5)
    assert_logistic(sub, w, X, y, full=False)
    w, X, y = logistic_problem(6, 2, seed=64, scale=1.5)
    assert_logistic(sub, w, X, y)


# --- week1.softmax ----------------------------------------------------------------


def student_softmax(sub, Z, what):
    P = sub.classification.softmax(Z)
    assert_no_warnings(sub, what, SOFTMAX_HINT)
    return assert_softmax(P, Z, what)


@check("week1.softmax", points=1)
def softmax_shift_invariant(sub, ref):
    """Check that softmax rows sum to 1 and do not change when a constant (up to ±1e3) is added to a row."""
    Z = np.random.default_rng(72).normal(size=(5, 4))
    shift = np.array([[1e3], [-1e3], [500.0], [0.0], [-300.0]])
    P = student_softmax(sub, Z, "softmax(Z)")
    shifted = sub.classification.softmax(Z + shift)
    what = "softmax(Z + c) with c = 1e3, −1e3, 500, 0, −300 added to the rows"
    assert_no_warnings(sub, what, SOFTMAX_HINT)
    shifted = as_array(shifted, what, shape=Z.shape)
    assert_finite(shifted, what, SOFTMAX_HINT)
    sums = P.sum(axis=1)
    # A float32 row of 4 probabilities sums to 1 within ~2e-7; a wrong normalisation is off by O(1).
    assert_close(sums, np.ones(len(sums)), "the row sums of softmax(Z)", rtol=0.0, atol=100 * TOL["atol"],
                 hint="Each row must be divided by its own sum.")
    # Logits near ±1e3 carry a float32 rounding of up to 3e-5, hence the wider shifted_rtol.
    assert_close(shifted, P, "softmax(Z + c) compared with softmax(Z)", rtol=TOL["shifted_rtol"], atol=TOL["atol"],
                 hint="Softmax is invariant to adding a constant to a row. " + SOFTMAX_HINT)


@check("week1.softmax", points=1)
def softmax_larger_and_degenerate(sub, ref):
    """Check that softmax is right for 300 rows of 10 logits, rows of equal logits (at 7 and at −1e4) and extreme rows."""
    rng = np.random.default_rng(73)
    Z = np.vstack([5.0 * rng.normal(size=(300, 10)),
                   np.full((1, 10), 7.0),
                   np.full((1, 10), -1e4),
                   np.where(np.arange(10) == 3, 1e4, -1e4)[None, :]])
    student_softmax(sub, Z, "softmax(Z) for Z of shape (303, 10) with rows of equal logits and logits of ±1e4")


# --- week1.cross_entropy ----------------------------------------------------------


@check("week1.cross_entropy", points=1)
def cross_entropy_extreme_logits(sub, ref):
    """Check that softmax_cross_entropy is finite and right for logits of ±1e4, confidently wrong ones included."""
    Z = np.array([[1e4, -1e4, 0.0, 5.0],
                  [1e4, 1e4 - 3.0, -1e4, 0.0],
                  [-1e4, -1e4, -1e4, -1e4],
                  [2.0, -1.0, 1e4, 3.0],
                  [-1e4, 1e4, 1e4, -5.0]])
    y = np.array([1, 1, 2, 2, 3])  # rows 0, 1 and 4 put almost no probability on their label
    assert_cross_entropy(sub, Z, y)


@check("week1.cross_entropy", points=1)
def cross_entropy_larger_and_small(sub, ref):
    """Check that softmax_cross_entropy is right on a larger problem (200 × 10, directional) and another small one (full)."""
    Z, y = cross_entropy_problem(200, 10, seed=82, scale=3.0)
    assert_cross_entropy(sub, Z, y, full=False)
    Z, y = cross_entropy_problem(3, 4, seed=83, scale=1.0)
    assert_cross_entropy(sub, Z, y)


# --- week1.penalties --------------------------------------------------------------


@check("week1.penalties", points=1)
def l1_subgradient_zero_at_zero(sub, ref):
    """Check that the l1 subgradient is exactly 0 where w is 0, and λ·sign(w) elsewhere."""
    w = np.array([0.0, 1.5, -0.5, 0.0, -2.0, -0.0, 3.0])
    lam = 0.3
    what = "l1_penalty(w, lam=0.3) for w = [0, 1.5, −0.5, 0, −2, −0, 3]"
    value, subgrad = unpack_pair(sub.classification.l1_penalty(w, lam), what, "value, subgrad")
    assert_close(as_float(value, f"the value of {what}"), lam * np.abs(w).sum(), f"the value of {what}",
                 rtol=TOL["loss_rtol"], atol=TOL["loss_atol"])
    got = as_array(subgrad, f"the subgradient of {what}", shape=w.shape)
    at_zero = np.flatnonzero((w == 0) & (got != 0))
    if at_zero.size:
        i = int(at_zero[0])
        raise CheckFailed(f"the subgradient of {what} at index {i}, where w is exactly 0, is {fmt(got[i])}: it must be "
                          "exactly 0 there, as λ·np.sign(w) gives (a test like w >= 0 gives ±λ at 0).")
    assert_close(got, lam * np.sign(w), f"the subgradient of {what}", rtol=TOL["loss_rtol"], atol=TOL["loss_atol"])


@check("week1.penalties", points=1)
def penalties_matrix_and_zero_lambda(sub, ref):
    """Check that l2_penalty and l1_penalty are right for a 3 × 4 weight matrix, and give 0 and a zero gradient for λ = 0."""
    rng = np.random.default_rng(92)
    w = rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(0.3, 2.0, size=(3, 4))
    assert_l2(sub, w, 1.7)
    assert_l1(sub, w, 1.7)
    for name in ("l2_penalty", "l1_penalty"):
        what = f"{name}(w, lam=0)"
        value, grad = unpack_pair(getattr(sub.classification, name)(w, 0.0), what, "value, grad")
        assert_close(as_float(value, f"the value of {what}"), 0.0, f"the value of {what}", rtol=0.0,
                     atol=TOL["loss_atol"])
        assert_close(grad, np.zeros_like(w), f"the gradient of {what}", rtol=0.0, atol=TOL["loss_atol"])
