"""Tests for grader/oracles.py: the instructor's shared oracles agree with independent
computations, and the k-sigma bounds mean what they say."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader import oracles
from grader.registry import CheckFailed


def test_torch_vjp_gives_the_output_and_every_input_gradient():
    """Is torch_vjp of x·W + b the output and (dout·Wᵀ, xᵀ·dout, Σ dout), in float64, whatever the inputs' dtype?"""
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(3, 2)), rng.normal(size=2)
    dout = rng.normal(size=(4, 2))
    out, (dx, dW, db) = oracles.torch_vjp(lambda xt, Wt, bt: xt @ Wt + bt, (x, W, b), dout)
    x64 = x.astype(np.float64)
    assert out.dtype == np.float64 and np.allclose(out, x64 @ W + b)
    assert np.allclose(dx, dout @ W.T) and np.allclose(dW, x64.T @ dout) and np.allclose(db, dout.sum(axis=0))
    _, (unused, db2) = oracles.torch_vjp(lambda xt, bt: 2 * bt, (x, b), np.ones(2))
    assert np.array_equal(unused, np.zeros_like(x64)) and np.allclose(db2, 2.0)  # x does not reach the output


def test_cross_entropy_matches_torch_and_stays_finite():
    """Does the cross-entropy oracle equal torch's F.cross_entropy, also for logits of ±1e4?"""
    Z = np.array([[1e4, -1e4, 0.0], [2.0, 1.0, -3.0], [-1e4, -1e4, -1e4]])
    y = np.array([1, 0, 2])
    expected = float(F.cross_entropy(torch.tensor(Z), torch.tensor(y)))
    assert math.isfinite(oracles.cross_entropy_loss(Z, y))
    assert oracles.cross_entropy_of(y)(Z) == pytest.approx(expected, rel=1e-12)


def test_scaled_comparison_is_relative_to_the_compared_array():
    """Is atol taken relative to max|expected| (floor 1), so large arrays get a proportional floor and small ones 1?"""
    oracles.assert_close_scaled([1e6 + 5.0], [1e6], "x", rtol=0.0, atol=1e-5)  # 5 ≤ 1e-5·1e6
    with pytest.raises(CheckFailed):
        oracles.assert_close_scaled([1e6 + 20.0], [1e6], "x", rtol=0.0, atol=1e-5)
    with pytest.raises(CheckFailed):
        oracles.assert_close_scaled([1e-3 + 2e-5], [1e-3], "x", rtol=0.0, atol=1e-5)  # floor 1: 2e-5 > 1e-5


def test_sigmas_and_false_alarm_are_inverse():
    """Does a bound of sigmas_for(p, k) standard errors have a false-alarm rate of p over k tests?"""
    for p, k in ((1e-8, 1), (1e-7, 87), (0.05, 3)):
        assert oracles.false_alarm_of(oracles.sigmas_for(p, k), k) == pytest.approx(p, rel=1e-9)
    assert oracles.sigmas_for(0.05) == pytest.approx(1.959964, abs=1e-6)


def test_bounds_follow_the_standard_errors():
    """Are the bounds the textbook standard errors times sigmas, and do they hold for a correct draw?"""
    n, sigmas = 40_000, 6.0
    draw = np.random.default_rng(1).normal(0.0, 2.0, size=n)
    assert abs(draw.mean()) <= oracles.mean_bound(2.0, n, sigmas) == pytest.approx(6 * 2 / 200)
    assert abs(draw.var() - 4.0) <= oracles.variance_bound(4.0, n, sigmas)
    assert oracles.proportion_bound(0.5, 100, 2.0) == pytest.approx(0.1)
    assert oracles.correlation_bound(400, 3.0) == pytest.approx(0.15)


def test_assert_within_names_the_mistake_whose_value_lies_within_the_bound():
    """Does a statistic outside its bound fail, naming a known mistake whose expected value it matches?"""
    oracles.assert_within(0.52, 0.5, 0.05, "the fraction")
    with pytest.raises(CheckFailed) as e:
        oracles.assert_within(0.26, 0.5, 0.05, "the fraction", mistakes={"p used as the keep probability": 0.25})
    assert e.value.mistake == "p used as the keep probability" and "0.5 ± 0.05" in str(e.value)
