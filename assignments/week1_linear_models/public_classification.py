"""Public checks for classification.py: probabilities against SciPy, losses against
PyTorch, every gradient against the grader's own numerical differentiation, and the
stability contracts for scores and logits up to ±1e4.

Only what the week's table forbids costs points. sigmoid ("no overflow warning") and
softmax ("no overflow") fail on an overflow RuntimeWarning even when the value returned
happens to be right, and the message says how to avoid it; the student's code cannot
silence that warning (grader/child.py). logistic ("stable for large scores") and
cross-entropy ("via log-sum-exp") are judged by their values: finite and right.
"""

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import expit
from scipy.special import softmax as scipy_softmax

from grader.compare import (as_array, as_float, assert_close, assert_finite, assert_no_warnings, fmt,
                            matching_mistake, worst)
from grader import gradcheck, oracles
from grader.registry import CheckFailed, check, load_rubric

TOL = load_rubric(__file__)["classification"]

SIGMOID_HINT = ("Only ever exponentiate −|z|: σ(z) = 1/(1 + e^(−z)) for z ≥ 0 and e^z/(1 + e^z) for z < 0 "
                "(np.where on both forms with e = np.exp(−np.abs(z))), so no exponential can overflow.")
LOGISTIC_HINT = ("Write the loss as mean(np.logaddexp(0, s) − y·s) with s = Xw, which never takes log(0) and "
                 "never overflows, and compute σ(s) in the gradient from e^(−|s|) only.")
SOFTMAX_HINT = ("Subtract each row's maximum before exponentiating (Z − Z.max(axis=1, keepdims=True)): softmax "
                "does not change, and every exponent is ≤ 0, so nothing overflows.")
CE_HINT = ("Compute the log-probabilities with log-sum-exp, Z − m − log Σ exp(Z − m) with m each row's maximum, "
           "never as log(softmax(Z)), which is log(0) = −inf for a very unlikely label.")


# --- shared helpers -------------------------------------------------------------


def assert_gradient(f, x, got, *, name, arg, mistakes=None, full=True, hint=""):
    """grader.gradcheck.assert_gradient with this file's tolerances."""
    gradcheck.assert_gradient(f, x, got, name=name, arg=arg, rtol=TOL["grad_rtol"], atol=TOL["grad_atol"],
                              mistakes=mistakes, full=full, hint=hint)


def assert_loss(got, expected, what, mistakes=None, hint=""):
    """A scalar loss (a float or a one-element array) against the grader's value."""
    value = as_float(got, what)
    if not np.isfinite(value):
        raise CheckFailed(f"{what} is {value}, expected {fmt(expected)}." + (f" {hint}" if hint else ""))
    assert_close(value, expected, what, rtol=TOL["loss_rtol"], atol=TOL["loss_atol"], mistakes=mistakes, hint=hint)


def unpack_pair(result, what, names):
    """A student's two-element return value (a tuple or list) as a pair."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        kind = f"a {type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list)) else \
            f"a {getattr(result, 'type_name', None) or type(result).__name__}"
        raise CheckFailed(f"{what} should return a pair ({names}), got {kind}")
    return result


def assert_probabilities(got, expected, what, described_at, mistakes=None, formula="", stability=""):
    """Elementwise comparison naming the input where the worst element sits; `stability`
    is the hint for a non-finite value, `formula` the one for a wrong value."""
    got = as_array(got, what, shape=expected.shape)
    assert_finite(got, what, stability)
    ratio, idx = worst(got, expected, TOL["rtol"], TOL["atol"])
    if ratio > 1.0:
        mistake = matching_mistake(got, mistakes, TOL["grad_rtol"], TOL["grad_atol"])
        raise CheckFailed(f"{what} at {described_at(idx)}: got {fmt(got[idx])}, expected {fmt(expected[idx])}."
                          + (f" {formula}" if formula and not mistake else ""), mistake=mistake)
    return got


# --- week1.sigmoid ----------------------------------------------------------------


def assert_sigmoid(got, z, what):
    """Values against scipy.special.expit, exact 0 and 1 where float64 rounds to them."""
    got = assert_probabilities(got, expit(z), what, lambda i: f"z = {fmt(z[i])}" if z.ndim else f"z = {fmt(z)}",
                               mistakes={"σ(−z) (the sign of the exponent flipped)": expit(-z)},
                               formula="Expected σ(z) = 1/(1 + e^(−z)) elementwise.", stability=SIGMOID_HINT)
    for limit in (1.0, 0.0):
        at = (z >= 800.0) if limit == 1.0 else (z <= -800.0)
        if np.any(got[at] != limit):
            i = tuple(np.argwhere(at & (got != limit))[0])
            raise CheckFailed(f"{what} at z = {fmt(z[i])} is {float(got[i])!r}, expected exactly {limit} (its float64 "
                              f"value). {SIGMOID_HINT}")
    return got


@check("week1.sigmoid", points=1)
def sigmoid_values_and_limits(sub, ref):
    """Check that sigmoid matches scipy.special.expit for z from −1e4 to 1e4, exactly 0 and 1 at the ends, without an overflow warning."""
    z = np.concatenate([np.linspace(-30.0, 30.0, 61), [-1e4, -800.0, 800.0, 1e4]])
    got = sub.classification.sigmoid(z)
    assert_no_warnings(sub, "sigmoid(z) for z from −1e4 to 1e4", SIGMOID_HINT)
    assert_sigmoid(got, z, "sigmoid(z)")


# --- week1.logistic ---------------------------------------------------------------


def logistic_formula(X, y):
    """The grader's loss: w ↦ mean(log(1 + e^(Xw)) − y·Xw)."""
    return lambda w: np.mean(np.logaddexp(0.0, X @ w) - y * (X @ w))


def assert_logistic(sub, w, X, y, full=True):
    """The student's logistic_loss and logistic_grad at (w, X, y), finite and right, against
    torch's binary_cross_entropy_with_logits and numerical differentiation."""
    what = f"logistic_loss(w, X, y) for X of shape {X.shape} with scores up to {fmt(np.abs(X @ w).max())}"
    what_grad = what.replace("logistic_loss", "logistic_grad")
    loss = sub.classification.logistic_loss(w, X, y)
    grad = sub.classification.logistic_grad(w, X, y)
    s = torch.tensor(X @ w, dtype=torch.float64)
    expected = float(F.binary_cross_entropy_with_logits(s, torch.tensor(y, dtype=torch.float64)))
    n = X.shape[0]
    assert_loss(loss, expected, what, mistakes={
        "summing the per-sample losses instead of averaging them": n * expected,
        "the loss with the wrong sign": -expected,
    }, hint=LOGISTIC_HINT)
    right = X.T @ (expit(X @ w) - y) / n
    assert_finite(as_array(grad, what_grad), what_grad, LOGISTIC_HINT)
    assert_gradient(logistic_formula(X, y), w, grad, name="logistic_loss", arg="w", full=full, mistakes={
        "the gradient summed instead of averaged over the N samples (N times too large)": n * right,
        "the gradient with the wrong sign (Xᵀ(y − σ(Xw))/N)": -right,
    })


def logistic_problem(n, d, seed, scale=0.7):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = scale * rng.normal(size=d)
    y = (rng.uniform(size=n) < expit(X @ w)).astype(np.int64)
    return w, X, y


@check("week1.logistic", points=1)
def logistic_loss_and_gradient(sub, ref):
    """Check that logistic_loss matches torch's binary_cross_entropy_with_logits and logistic_grad its numerical gradient."""
    w, X, y = logistic_problem(20, 4, seed=61)
    assert_logistic(sub, w, X, y)


# --- week1.softmax ----------------------------------------------------------------


def assert_softmax(got, Z, what):
    expected = scipy_softmax(Z, axis=1)
    return assert_probabilities(got, expected, what, lambda i: f"row {i[0]}, column {i[1]} (logit {fmt(Z[i])})",
                                mistakes={"softmax over columns (axis=0) instead of rows": scipy_softmax(Z, axis=0)},
                                formula="Expected P[i, k] = exp(Z[i, k]) / Σ_j exp(Z[i, j]): each row normalised "
                                        "on its own.", stability=SOFTMAX_HINT)


@check("week1.softmax", points=1)
def softmax_matches_scipy(sub, ref):
    """Check that softmax matches scipy.special.softmax row by row, for logits up to ±1e4, without overflow."""
    rng = np.random.default_rng(71)
    Z = np.vstack([3.0 * rng.normal(size=(6, 5)),
                   [1e4, 0.0, -1e4, 5.0, 1e4 - 1.0],
                   [-1e4, -1e4 + 2.0, -1e4, -1e4 + 1.0, -1e4]])
    P = sub.classification.softmax(Z)
    assert_no_warnings(sub, "softmax(Z) with logits up to ±1e4", SOFTMAX_HINT)
    assert_softmax(P, Z, "softmax(Z)")


# --- week1.cross_entropy ----------------------------------------------------------


def assert_cross_entropy(sub, Z, y, full=True):
    """The student's softmax_cross_entropy at (Z, y), finite and right, against torch's
    F.cross_entropy and numerical differentiation of the grader's cross-entropy
    (grader.oracles.cross_entropy_of)."""
    what = f"softmax_cross_entropy(Z, y) for Z of shape {Z.shape} with logits up to {fmt(np.abs(Z).max())}"
    result = sub.classification.softmax_cross_entropy(Z, y)
    loss, dZ = unpack_pair(result, what, "loss, dZ")
    expected = float(F.cross_entropy(torch.tensor(Z, dtype=torch.float64), torch.tensor(y, dtype=torch.int64)))
    n = Z.shape[0]
    assert_loss(loss, expected, f"the loss of {what}", mistakes={
        "summing the per-sample losses instead of averaging them": n * expected,
        "the mean log-probability without the minus sign": -expected,
    }, hint=CE_HINT)
    P = scipy_softmax(Z, axis=1)
    onehot = np.eye(Z.shape[1])[y]
    right = (P - onehot) / n
    assert_finite(as_array(dZ, f"dZ of {what}"), f"dZ of {what}", CE_HINT)
    assert_gradient(oracles.cross_entropy_of(y), Z, dZ, name="softmax_cross_entropy", arg="Z", full=full, mistakes={
        "the gradient summed instead of averaged over the N rows (N times too large)": n * right,
        "softmax(Z)/N without subtracting the one-hot labels": P / n,
        "the gradient with the wrong sign ((onehot − softmax(Z))/N)": -right,
    }, hint="Expected dZ = (softmax(Z) − onehot(y)) / N.")


def cross_entropy_problem(n, k, seed, scale=2.0):
    rng = np.random.default_rng(seed)
    return scale * rng.normal(size=(n, k)), rng.integers(0, k, size=n)


@check("week1.cross_entropy", points=1)
def cross_entropy_loss_and_gradient(sub, ref):
    """Check that softmax_cross_entropy matches torch's F.cross_entropy and dZ its numerical gradient."""
    Z, y = cross_entropy_problem(6, 4, seed=81)
    assert_cross_entropy(sub, Z, y)


# --- week1.penalties --------------------------------------------------------------


def assert_l2(sub, w, lam, full=True):
    what = f"l2_penalty(w, lam={lam:g}) for w of shape {w.shape}"
    value, grad = unpack_pair(sub.classification.l2_penalty(w, lam), what, "value, grad")
    expected = lam * float(np.sum(w**2))
    assert_loss(value, expected, f"the value of {what}", mistakes={
        "the penalty without λ": float(np.sum(w**2)),
        "half the penalty (λ/2·Σw²)": expected / 2,
    })
    assert_gradient(lambda v: lam * np.sum(v**2), w, grad, name="l2_penalty", arg="w", full=full, mistakes={
        "the gradient missing the factor 2 (λw)": lam * w,
    })


def assert_l1(sub, w, lam, full=True):
    what = f"l1_penalty(w, lam={lam:g}) for w of shape {w.shape}"
    value, subgrad = unpack_pair(sub.classification.l1_penalty(w, lam), what, "value, subgrad")
    expected = lam * float(np.sum(np.abs(w)))
    assert_loss(value, expected, f"the value of {what}", mistakes={
        "the penalty without λ": float(np.sum(np.abs(w))),
        "λ·Σw (the absolute value left out)": lam * float(np.sum(w)),
    })
    assert_gradient(lambda v: lam * np.sum(np.abs(v)), w, subgrad, name="l1_penalty", arg="w", full=full,
                    mistakes={"the subgradient without λ (sign(w))": np.sign(w)})
    return subgrad


@check("week1.penalties", points=1)
def penalties_values_and_gradients(sub, ref):
    """Check that l2_penalty and l1_penalty return λΣw² and λΣ|w| with gradients matching numerical differentiation."""
    w = np.array([0.8, -1.3, 0.4, -0.6, 2.1])
    assert_l2(sub, w, 0.7)
    assert_l1(sub, w, 0.7)
