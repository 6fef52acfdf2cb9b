"""Tests for grader/backward.py: a backward pass judged on its own, from its forward's cache."""

import numpy as np
import pytest

from grader.backward import Backward, assert_backward, cache_from_forward, unpack
from grader.gradcheck import GradientMismatch
from grader.registry import CheckFailed
from grader.sandbox import NotImplementedYet, StudentError

W = np.array([[1.0, -2.0], [0.5, 3.0], [-1.5, 0.25]])  # f(x) = x·W for x of shape (4, 3)


def f(x):
    return x @ W


def test_a_right_backward_passes_and_is_remembered():
    """Does dx = v·Wᵀ pass the full and the directional check, with each (v, dx) remembered?"""
    backward = Backward(lambda v: (v @ W.T, None), "affine_backward", ("dx", "dW"), 0)
    x = np.random.default_rng(0).normal(size=(4, 3))
    assert_backward(f, x, backward, name="affine", arg="x", rtol=1e-6, atol=1e-6)
    assert_backward(f, x, backward, name="affine", arg="x", rtol=1e-6, atol=1e-6, full=False)
    v, got = backward.seen[0]
    assert np.allclose(got, v @ W.T)


def test_a_wrong_backward_names_the_known_mistake_or_the_shape_hint():
    """Is a backward that forgets a factor named by its mistake, and a transposed one by its shape hint?"""
    x = np.random.default_rng(1).normal(size=(4, 3))
    doubled = Backward(lambda v: 2 * v @ W.T, "affine_backward")
    with pytest.raises(GradientMismatch) as e:
        assert_backward(f, x, doubled, name="affine", arg="x", rtol=1e-6, atol=1e-6, hint="HINT",
                        mistakes=lambda v: {"dx twice too large": 2 * v @ W.T})
    assert e.value.mistake == "dx twice too large" and "HINT" not in str(e.value)
    transposed = Backward(lambda v: (v @ W.T).T, "affine_backward")
    with pytest.raises(GradientMismatch, match="transposed: check the axes"):
        assert_backward(f, x, transposed, name="affine", arg="x", rtol=1e-6, atol=1e-6,
                        shape_hints={(3, 4): "transposed: check the axes"})


def test_unpack_says_what_came_back():
    """Does a result of the wrong length or kind fail with what was expected and what came back?"""
    assert unpack((1, 2), "f(x)", ("out", "cache")) == (1, 2)
    with pytest.raises(CheckFailed, match=r"should return a tuple of 2 \(out, cache\), got a tuple of length 3"):
        unpack((1, 2, 3), "f(x)", ("out", "cache"))
    with pytest.raises(CheckFailed, match="got a float"):
        unpack(1.0, "f(x)", ("out", "cache"))


def stub(*args):
    raise NotImplementedYet({"type": "NotImplementedError", "message": "week3.conv_forward"})


def test_a_stubbed_forward_lets_a_stubbed_backward_say_so():
    """With the forward still a stub, is a stubbed backward reported as not implemented, and a written
    backward told that it needs the forward?"""
    with pytest.raises(NotImplementedYet):
        cache_from_forward(stub, stub, "conv2d_backward", "conv2d_forward", "week3.conv_forward")

    def written(*args):
        raise StudentError({"type": "TypeError", "message": "cache is None"})

    with pytest.raises(CheckFailed, match=r"conv2d_forward \(week3.conv_forward\) is not implemented yet"):
        cache_from_forward(stub, written, "conv2d_backward", "conv2d_forward", "week3.conv_forward")
    assert cache_from_forward(lambda: ("out", {"x": 1}), written, "b", "f", "id") == {"x": 1}
