"""The instructor's oracles that every week composes: float64 autograd VJPs, the
cross-entropy reference, values compared at the scale of what is compared, and k-sigma
bounds for statistics of random draws.

Each is computed in the judge, from the grader's own inputs, never from anything the
student wrote. Numerical differentiation lives in `grader.gradcheck`; training runs and
their thresholds in `grader.training`.
"""

from __future__ import annotations

import math

import numpy as np

from .compare import assert_close
from .registry import CheckFailed

# --- autograd -----------------------------------------------------------------------


def t64(a):
    """A float64 torch tensor holding a copy of `a` (a copy: flipped or strided views are fine)."""
    import torch

    return torch.tensor(np.array(a, dtype=np.float64))


def torch_vjp(fn, inputs, dout):
    """(fn(*inputs), [∂Σ(fn(*inputs)·dout)/∂input for each input]) by torch autograd in float64.

    Args:
        fn: maps torch tensors (float64, one per input) to one tensor.
        inputs: arrays (any real dtype), converted to float64 tensors that require grad.
        dout: the upstream gradient, shaped like fn's output.

    Returns:
        The output as a float64 NumPy array and the list of input gradients (an input that
        does not reach the output gets zeros).
    """
    import torch

    ts = [torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in inputs]
    out = fn(*ts)
    out.backward(torch.as_tensor(np.asarray(dout, dtype=np.float64)))
    grads = [t.grad.numpy().copy() if t.grad is not None else np.zeros(tuple(t.shape)) for t in ts]
    return out.detach().numpy().copy(), grads


# --- cross-entropy ----------------------------------------------------------------


def cross_entropy_loss(Z: np.ndarray, y: np.ndarray) -> float:
    """mean_i(logsumexp(Z_i) − Z_{i, y_i}), with the row maximum taken out first (float64).

    (grader/trainers.py keeps its own copy with the gradient: it runs in the student's
    process, which cannot import the engine.)"""
    Z = np.asarray(Z, dtype=np.float64)
    m = Z.max(axis=1)
    lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
    return float(np.mean(lse - Z[np.arange(len(y)), y]))


def cross_entropy_of(y: np.ndarray):
    """The loss Z ↦ cross_entropy_loss(Z, y), for numerical differentiation."""
    y = np.asarray(y)
    return lambda Z: cross_entropy_loss(Z, y)


# --- values at the scale of what is compared ------------------------------------


def assert_close_scaled(actual, expected, what: str, rtol: float, atol: float, mistakes: dict | None = None,
                        hint: str = "", floor: float = 1.0) -> np.ndarray:
    """`assert_close` with atol relative to the compared array:
    ``|got − expected| ≤ rtol·|expected| + atol·max(floor, max|expected|)``.

    A float32 implementation's rounding error grows with the size of the numbers it
    computes, so an absolute bound alone is either too tight for large values or too loose
    for small ones. `floor` keeps a bound for arrays of (near) zeros."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(floor, float(np.max(np.abs(expected), initial=0.0)))
    return assert_close(actual, expected, what, rtol=rtol, atol=atol * scale, mistakes=mistakes, hint=hint)


# --- k-sigma bounds -----------------------------------------------------------------


def sigmas_for(false_alarm: float, tests: int = 1) -> float:
    """How many standard errors a two-sided normal test may allow so that a correct
    implementation fails any of `tests` such tests with probability at most `false_alarm`
    (Bonferroni)."""
    from scipy.stats import norm

    return float(norm.isf(false_alarm / (2 * tests)))


def false_alarm_of(sigmas: float, tests: int = 1) -> float:
    """The probability that a correct implementation fails at least one of `tests`
    two-sided `sigmas` tests (a Bonferroni bound)."""
    return min(1.0, tests * math.erfc(sigmas / math.sqrt(2)))


def mean_bound(std: float, n: int, sigmas: float) -> float:
    """sigmas·std/√n: how far the mean of n draws of standard deviation `std` may stray."""
    return sigmas * std / math.sqrt(n)


def variance_bound(variance: float, n: int, sigmas: float, kurtosis: float = 3.0) -> float:
    """sigmas·variance·√((kurtosis − 1)/n): how far the sample variance of n draws may stray
    (kurtosis 3 for a normal distribution, 1.8 for a uniform one)."""
    return sigmas * variance * math.sqrt((kurtosis - 1.0) / n)


def proportion_bound(p: float, n: int, sigmas: float) -> float:
    """sigmas·√(p(1 − p)/n): how far the fraction of n Bernoulli(p) draws may stray from p."""
    return sigmas * math.sqrt(p * (1.0 - p) / n)


def correlation_bound(n: int, sigmas: float) -> float:
    """sigmas/√n: how far the sample correlation of n independent pairs may stray from 0."""
    return sigmas / math.sqrt(n)


def assert_within(value: float, expected: float, bound: float, what: str, advice: str = "",
                  mistakes: dict | None = None) -> None:
    """Raise CheckFailed unless |value − expected| ≤ bound; `mistakes` (label -> the value that
    mistake gives in expectation) names the first whose value lies within the same bound."""
    if abs(value - expected) <= bound:
        return
    mistake = next((label for label, v in (mistakes or {}).items() if abs(value - v) <= bound), None)
    raise CheckFailed(f"{what} is {value:.6g}, expected {expected:.6g} ± {bound:.3g}" + (f": {advice}" if advice else "."),
                      mistake=mistake)
