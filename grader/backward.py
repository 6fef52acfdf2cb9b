"""Judging a student's backward pass on its own, from the cache of their forward pass.

A forward pass returns ``(out, cache)``; the cache is the student's business and comes back
to the grader as it is (plain data, or handles to objects that stay in the student's
process), to be handed unchanged to their backward pass. The backward pass is judged as a
vector–Jacobian product against the grader's numerical differentiation of its own float64
function (`grader.gradcheck`), never against the student's forward, whose output is judged
by its own exercise.
"""

from __future__ import annotations

import numpy as np

from . import gradcheck
from .compare import matching_mistake
from .registry import CheckFailed
from .sandbox import NotImplementedYet, StudentProblem


def unpack(result, what: str, names) -> tuple | list:
    """A student's tuple (or list) return value with one item per name, or CheckFailed saying
    what came back instead."""
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = (f"a {type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list))
               else f"a {getattr(result, 'type_name', None) or type(result).__name__}")
        raise CheckFailed(f"{what} should return a tuple of {len(names)} ({', '.join(names)}), got {got}")
    return result


class Backward:
    """A student's backward pass as ``vjp(v)`` for one of its outputs: each call runs the
    student's code with upstream gradient v (``call(v)``), picks output `index` of the tuple
    named `names` (or takes the whole result when `names` is empty), and remembers
    (v, what came back) for the hints."""

    def __init__(self, call, what: str, names=(), index: int = 0):
        self.call, self.what, self.names, self.index = call, what, tuple(names or ()), index
        self.seen: list = []

    def __call__(self, v):
        result = self.call(v)
        got = unpack(result, self.what, self.names)[self.index] if self.names else result
        self.seen.append((v, got))
        return got


def cache_from_forward(forward, probe_backward, what: str, forward_name: str, forward_id: str):
    """The cache of the student's forward pass (``forward()`` returns ``(out, cache)``), for
    judging the backward pass on its own. While the forward is still a stub, the backward is
    called once with no cache (``probe_backward()``), so that a stubbed backward reports itself
    as not implemented; otherwise the message says that the backward needs the forward."""
    try:
        result = forward()
    except NotImplementedYet:
        try:
            probe_backward()
        except NotImplementedYet:
            raise
        except StudentProblem:
            pass
        raise CheckFailed(f"{what} is judged with the cache that {forward_name} returns, and {forward_name} "
                          f"({forward_id}) is not implemented yet.") from None
    return unpack(result, f"{forward_name}(...)", ("out", "cache"))[1]


def assert_backward(f, x, backward: Backward, *, name: str, arg: str, rtol: float, atol: float, full: bool = True,
                    mistakes=None, shape_hints: dict | None = None, hint: str = "", rng=0) -> None:
    """Judge `backward` against the grader's numerical differentiation of its own `f` at `x`:
    all of Jᵀv (``full``: numdifftools, small inputs) or vᵀJu along random directions
    (`gradcheck.check_vjp_full` / `check_directional`, with their tolerance rule).

    On a mismatch the failure names the known mistake whose value matches what the student
    returned (``mistakes(v) -> {label: value}``), or gives the hint for a wrong shape
    (``shape_hints: {shape: hint}``), or else `hint`."""
    try:
        if full:
            gradcheck.check_vjp_full(f, x, backward, name=name, arg=arg, rtol=rtol, atol=atol, rng=rng)
        else:
            gradcheck.check_directional(f, x, backward, name=name, arg=arg, rtol=rtol, atol=atol, rng=rng)
    except gradcheck.GradientMismatch as e:
        extra, mistake = "", None
        if backward.seen:
            v, got = backward.seen[-1]
            try:
                shape = np.shape(np.asarray(got, dtype=np.float64))
            except (TypeError, ValueError):
                shape = None
            extra = (" " + shape_hints[shape]) if shape_hints and shape in shape_hints else ""
            if not extra and mistakes is not None:
                mistake = matching_mistake(got, mistakes(v), rtol, atol)
        if not extra and not mistake and hint:
            extra = " " + hint
        raise gradcheck.GradientMismatch(str(e).rstrip(".") + "." + extra, mistake=mistake) from None
