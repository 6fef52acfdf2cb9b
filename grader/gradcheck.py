"""Numerical gradient checking: the grader's float64 oracle against a student's
gradient, Jacobian or backward pass.

The function ``f`` is always the grader's own (trusted, cheap, in-process); what it
is compared with comes from the student and is treated as opaque data: it is
converted with ``np.asarray(..., dtype=np.float64)`` before anything else is done
with it, so objects that lie in ``__eq__`` and ndarray subclasses gain nothing.

Two strengths of check:

- full checks (`check_gradient_full`, `check_vjp_full`) build the whole Jacobian
  with numdifftools (central differences with Richardson extrapolation, about
  ``20 * x.size`` calls of ``f``) and report the worst element by index;
- the directional check (`check_directional`), in the spirit of PyTorch's fast
  gradcheck, compares ``vᵀJu`` for a few random directions ``u``: two calls of
  ``f`` per probe whatever the size, but one slightly wrong entry among many can
  hide in the projection (the tests show one).

An element fails when ``|got − expected| > atol·max(1, scale) + rtol·|expected|``,
where ``scale`` is the size of the oracle's own numbers: its derivatives and its
values ``f(x)`` (a difference quotient's rounding error grows with ``|f|``). It is
never taken from the student's values, so a student cannot widen their tolerance.

Every random draw comes from ``numpy.random.default_rng(rng)``, seed 0 by default.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numdifftools as nd
import numpy as np

from .compare import matching_mistake
from .registry import CheckFailed

SEED = 0
_NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floats


# numdifftools' default for Jacobian starts at steps of 2.0 (times log(e + |x|)) and
# stops at 1e-4; where f bends sharply (tanh(1000·x)) every step is too large and
# Richardson extrapolation confidently returns a wrong derivative (0 for 165 in one
# case seen). Steps from 1e-3 down to 2e-6 stay well clear of that and of rounding
# (about 1e-16·|f|/2e-6 = 5e-11·|f|), at 20 calls of f per element of x.
def _steps() -> nd.MaxStepGenerator:
    return nd.MaxStepGenerator(base_step=1e-3, num_steps=10)  # a fresh one: it keeps state


class GradientMismatch(CheckFailed):
    """Raised with a student-facing message."""


@dataclass
class GradCheckStats:
    """Figures for benchmarks, accumulated over every check it is passed to."""

    evaluations: int = 0  # calls of f
    seconds: float = 0.0


# --- inputs -------------------------------------------------------------------


def _student_array(value, *, what: str) -> np.ndarray:
    """A student's value as a plain float64 ndarray, or GradientMismatch saying why not."""
    try:
        raw = np.asarray(value)
    except Exception as exc:  # a hostile __array__ or a ragged list
        raise GradientMismatch(f"{what} is not an array of numbers ({exc})") from None
    if raw.dtype.kind == "c":
        raise GradientMismatch(f"{what} is complex; a real float array is expected")
    if raw.dtype.kind not in _NUMERIC_KINDS:
        raise GradientMismatch(
            f"{what} is not an array of numbers (got {type(value).__name__}"
            f" with dtype {raw.dtype}); return a float NumPy array"
        )
    return np.array(raw, dtype=np.float64)  # a copy: later changes by the student don't matter


def _oracle_array(value, *, what: str) -> np.ndarray:
    """The grader's own value as float64; non-finite values are a grader bug, not a student's."""
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"grader oracle: {what} is not finite")
    return array


def _require_shape(received: np.ndarray, shapes: list[tuple], *, what: str) -> None:
    """Raise GradientMismatch unless `received` has one of `shapes` (the first is the one named)."""
    if received.shape in shapes:
        return
    hint = " (transposed?)" if any(received.shape == s[::-1] for s in shapes) else ""
    expected = " or ".join(str(s) for s in dict.fromkeys(shapes))
    raise GradientMismatch(f"{what}: expected shape {expected}, got {received.shape}{hint}")


def _require_finite(received: np.ndarray, *, what: str) -> None:
    """Raise GradientMismatch naming the first NaN or infinite element."""
    bad = ~np.isfinite(received)
    if bad.any():
        index = _index(np.flatnonzero(bad)[0], received.shape)
        raise GradientMismatch(
            f"{what} is not finite at index {index}: {float(received[index])}"
            f" ({_count(int(bad.sum()), received.size)} NaN or infinite)"
        )


def _rng(rng) -> np.random.Generator:
    return np.random.default_rng(SEED if rng is None else rng)


@contextmanager
def _timed(stats: GradCheckStats | None):
    start = time.perf_counter()
    try:
        yield
    finally:
        if stats is not None:
            stats.seconds += time.perf_counter() - start


class _Counted:
    """f with float64 output and a call counter (added to `stats` by the caller)."""

    def __init__(self, f, shape: tuple):
        self.f, self.shape, self.calls = f, shape, 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self.calls += 1
        return np.asarray(self.f(np.reshape(x, self.shape)), dtype=np.float64)


# --- the oracle ---------------------------------------------------------------


def _jacobian(f, x: np.ndarray, stats: GradCheckStats | None) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), J) with J[i, j] = ∂f(x).flat[i] / ∂x.flat[j], shape (f(x).size, x.size)."""
    counted = _Counted(f, x.shape)

    def flat_f(flat: np.ndarray) -> np.ndarray:
        return counted(flat).ravel()

    try:
        fx = _oracle_array(counted(x), what="f(x)")
        if x.size == 0 or fx.size == 0:
            raise ValueError("grader oracle: nothing to differentiate (x or f(x) is empty)")
        raw = nd.Jacobian(flat_f, step=_steps(), method="central")(x.ravel())
    finally:
        if stats is not None:
            stats.evaluations += counted.calls
    jac = np.asarray(raw, dtype=np.float64)
    m, n = fx.size, x.size
    # numdifftools squeezes when the output or the input has one element
    if jac.shape != (m, n):
        if jac.size != m * n or (m > 1 and n > 1):
            raise RuntimeError(f"numdifftools returned shape {jac.shape}, expected {(m, n)}")
        jac = jac.reshape(m, n)
    return fx, _oracle_array(jac, what="the numerical Jacobian")


def numerical_jacobian(f, x, *, stats: GradCheckStats | None = None) -> np.ndarray:
    """Jacobian of `f` at `x` by numdifftools (float64, central differences, Richardson).

    Args:
        f: maps an ndarray shaped like `x` to an ndarray or a float (the grader's oracle).
        x: the point; any shape.
        stats: if given, the calls of `f` and the seconds spent are added to it.

    Returns:
        J of shape ``(f(x).size, x.size)``: ``J[i, j] = ∂f(x).flat[i] / ∂x.flat[j]``.
    """
    x = _oracle_array(x, what="x")
    with _timed(stats):
        return _jacobian(f, x, stats)[1]


# --- comparison and messages --------------------------------------------------


def _tolerance(expected: np.ndarray, scale: float, rtol: float, atol: float) -> np.ndarray:
    """tol = atol·max(1, scale) + rtol·|expected|."""
    return atol * max(1.0, scale) + rtol * np.abs(expected)


def _index(flat: int, shape: tuple) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _count(k: int, n: int) -> str:
    return f"{k} of {n} entries {'is' if k == 1 else 'are'}"


def _num(value: float) -> str:
    return f"{value:.8g}"


def _pattern_hint(received: np.ndarray, expected: np.ndarray, failing: int) -> str:
    """A guess at what went wrong, from the shape of the error as a whole."""
    hints = [f"{_count(failing, received.size)} outside the tolerance"]
    r, e = received.ravel(), expected.ravel()
    ee = float(e @ e)
    if ee > 0:
        c = float(r @ e) / ee  # least-squares factor: received ≈ c·expected
        if abs(c - 1) > 1e-3 and np.linalg.norm(r - c * e) <= 1e-6 * np.linalg.norm(r):
            if abs(c + 1) < 1e-6:
                hints.append("every entry has the wrong sign")
            else:
                hints.append(
                    f"every entry is {c:.4g} times the expected one: a constant factor"
                    " is missing or extra"
                )
    if (
        received.ndim == 2
        and received.shape[0] == received.shape[1] > 1
        and np.allclose(received, expected.T, rtol=1e-5, atol=1e-8)
    ):
        hints.append("it equals the transpose of the expected array")
    return "; ".join(hints)


def _compare(received, expected, tol, *, describe, note: str = "") -> None:
    """Raise GradientMismatch for the element with the largest |received − expected| / tol > 1.

    `describe(flat_index)` names the element in the message.
    """
    ratio = np.abs(received - expected) / tol
    failing = int(np.count_nonzero(ratio > 1))
    if failing == 0:
        return
    worst = int(np.argmax(ratio))
    got, want = received.flat[worst], expected.flat[worst]
    raise GradientMismatch(
        f"{describe(worst)}: got {_num(got)}, expected {_num(want)}"
        f" (|difference| {abs(got - want):.3g} is {ratio.flat[worst]:.3g} times the"
        f" tolerance {tol.flat[worst]:.3g}); {_pattern_hint(received, expected, failing)}{note}"
    )


# --- the checks ---------------------------------------------------------------


def check_gradient_full(
    f, x, analytic, *, name: str, arg: str, rtol: float = 1e-5, atol: float = 1e-7,
    stats: GradCheckStats | None = None,
) -> None:
    """Check a student's whole gradient or Jacobian against numdifftools, element by element.

    Args:
        f: the grader's oracle, mapping an array shaped like `x` to a float (scalar
            f) or an array (vector f).
        x: the point, the argument being differentiated.
        analytic: the student's value. For scalar f, the gradient, shaped like `x`.
            For vector f, the Jacobian shaped ``f(x).shape + x.shape`` or
            ``(f(x).size, x.size)``.
        name, arg: the function and argument names used in the message.
        rtol, atol: an element fails when ``|got − expected| >
            atol·max(1, max|J|, max|f(x)|) + rtol·|expected|``.
        stats: if given, calls of `f` and seconds are added to it.

    Returns:
        None.

    Raises:
        GradientMismatch: wrong type, shape, a non-finite entry, or the worst
            element (its index in `arg`'s shape, and the output index for vector f)
            with the value received and the value expected.
    """
    x = _oracle_array(x, what="x")
    with _timed(stats):
        fx, jac = _jacobian(f, x, stats)
        scalar = fx.ndim == 0
        what = f"{'gradient' if scalar else 'Jacobian'} of {name} with respect to {arg}"
        received = _student_array(analytic, what=what)
        if scalar:
            _require_shape(received, [x.shape], what=what)
            expected = jac.reshape(x.shape)
        else:
            _require_shape(received, [fx.shape + x.shape, (fx.size, x.size)], what=what)
            received, expected = received.reshape(jac.shape), jac
        _require_finite(received, what=what)

        def describe(flat):
            if scalar:
                return f"{what} is wrong at index {_index(flat, x.shape)}"
            out, inp = divmod(flat, x.size)
            return (
                f"{what} is wrong at output index {_index(out, fx.shape)},"
                f" argument index {_index(inp, x.shape)}"
            )

        scale = max(float(np.max(np.abs(jac))), float(np.max(np.abs(fx))))
        _compare(received, expected, _tolerance(expected, scale, rtol, atol), describe=describe)


def check_vjp_full(
    f, x, vjp, *, name: str, arg: str, rtol: float = 1e-5, atol: float = 1e-7, rng=None,
    stats: GradCheckStats | None = None,
) -> None:
    """Check a student's backward pass: ``vjp(v)`` against ``Jᵀv`` for one random `v`.

    Args:
        f: the grader's oracle, mapping an array shaped like `x` to an array.
        x: the point, the argument being differentiated.
        vjp: the student's backward pass: called once with an upstream gradient
            `v` shaped like ``f(x)`` (a fresh copy), returns the gradient for `x`.
        name, arg: the function and argument names used in the message.
        rtol, atol: an element fails when ``|got − expected| >
            atol·max(1, scale) + rtol·|expected|``, where scale is the larger of
            ``Σ_i |v_i·f_i(x)|`` and the largest ``Σ_i |J_ij·v_i|`` (the size of
            the terms the student sums).
        rng: seed or Generator for `v`; seed 0 by default.
        stats: if given, calls of `f` and seconds are added to it.

    Returns:
        None.

    Raises:
        GradientMismatch: wrong type, shape, a non-finite entry, or the worst
            element by its index in `arg`'s shape, with both values. What `vjp`
            itself raises propagates: the caller records it as an error.
    """
    x = _oracle_array(x, what="x")
    with _timed(stats):
        fx, jac = _jacobian(f, x, stats)
        v = np.asarray(_rng(rng).standard_normal(fx.shape))
        what = f"backward of {name}: gradient for {arg}"
        received = _student_array(vjp(v.copy()), what=what)
        _require_shape(received, [x.shape], what=what)
        _require_finite(received, what=what)
        expected = (jac.T @ v.ravel()).reshape(x.shape)
        scale = max(
            float(np.max(np.abs(jac.T) @ np.abs(v.ravel()))), float(np.sum(np.abs(v * fx)))
        )
        _compare(
            received, expected, _tolerance(expected, scale, rtol, atol),
            describe=lambda flat: f"{what} is wrong at index {_index(flat, x.shape)}",
            note=" (v: a random upstream gradient; expected: Jᵀv by numerical differentiation)",
        )


def check_directional(
    f, x, vjp_or_grad, *, name: str, arg: str, probes: int = 3, rng=None, rtol: float = 1e-4,
    atol: float = 1e-7, eps: float = 1e-6, stats: GradCheckStats | None = None,
) -> None:
    """The fast check: ``vᵀJu`` for `probes` random unit directions `u`, 2 calls of `f` each.

    The analytic side is ``<vjp(v), u>`` (or ``vᵀ·J·u`` when an array is given);
    the numerical side is ``vᵀ(f(x + eps·u) − f(x − eps·u)) / (2·eps)``. `v` is
    standard normal, shaped like ``f(x)``, or 1.0 for scalar f.

    Args:
        f: the grader's oracle, mapping an array shaped like `x` to a float or an array.
        x: the point, the argument being differentiated.
        vjp_or_grad: the student's backward pass (``vjp(v) -> array shaped like x``)
            or, instead of a callable, a gradient shaped like `x` (scalar f) or a
            Jacobian as in `check_gradient_full` (vector f).
        name, arg: the function and argument names used in the message.
        probes: the number of random (u, v) pairs.
        rng: seed or Generator for u and v; seed 0 by default.
        rtol, atol: a probe fails when ``|got − expected| > atol·max(1, Σ|v·f(x)|)
            + rtol·|expected|``; the central difference's rounding error is about
            ``1e-16·Σ|v·f(x)| / eps``, i.e. 1e-10 of the function's size for
            eps = 1e-6, so the default atol leaves a factor of 1000.
        eps: the central-difference step along the unit direction u.
        stats: if given, calls of `f` and seconds are added to it.

    Returns:
        None.

    Raises:
        GradientMismatch: wrong type, shape, a non-finite entry, or the first
            failing probe with both numbers. What a callable `vjp_or_grad` raises
            propagates: the caller records it as an error.
    """
    x = _oracle_array(x, what="x")
    if x.size == 0:
        raise ValueError("check_directional needs a non-empty x")
    counted = _Counted(f, x.shape)
    try:
        with _timed(stats):
            fx = _oracle_array(counted(x), what="f(x)")
            scalar = fx.ndim == 0
            what = f"{'gradient' if scalar else 'backward'} of {name} for {arg}"
            jac = None
            if not callable(vjp_or_grad):
                jac = _student_array(vjp_or_grad, what=what)
                shapes = [x.shape] if scalar else [fx.shape + x.shape, (fx.size, x.size)]
                _require_shape(jac, shapes, what=what)
                _require_finite(jac, what=what)
                jac = jac.reshape(fx.size, x.size)
            probe_name = (
                "the derivative along a random unit direction u, ∇f·u," if scalar
                else "vᵀJu for a random unit direction u and a random upstream gradient v"
            )
            source = "backward" if jac is None else "gradient"
            generator = _rng(rng)
            for probe in range(1, probes + 1):
                u = generator.standard_normal(x.shape)
                u /= np.linalg.norm(u)
                v = np.asarray(1.0 if scalar else generator.standard_normal(fx.shape))
                if jac is None:
                    grad = _student_array(vjp_or_grad(v.copy()), what=what)
                    _require_shape(grad, [x.shape], what=what)
                    _require_finite(grad, what=what)
                    got = float(np.vdot(grad, u))
                else:
                    got = float(np.ravel(v) @ (jac @ u.ravel()))
                plus = _oracle_array(counted(x + eps * u), what="f(x + eps·u)")
                minus = _oracle_array(counted(x - eps * u), what="f(x - eps·u)")
                expected = float(np.vdot(v, plus - minus)) / (2 * eps)
                scale = float(np.sum(np.abs(v * fx)))
                tol = float(_tolerance(np.float64(expected), scale, rtol, atol))
                if abs(got - expected) > tol:
                    raise GradientMismatch(
                        f"{what} fails the directional check at probe {probe} of {probes}:"
                        f" {probe_name} is {_num(got)} from your {source},"
                        f" the central difference gives {_num(expected)}"
                        f" (|difference| {abs(got - expected):.3g} is"
                        f" {abs(got - expected) / tol:.3g} times the tolerance {tol:.3g})"
                    )
    finally:
        if stats is not None:
            stats.evaluations += counted.calls


def assert_gradient(f, x, got, *, name, arg, rtol, atol, mistakes=None, full=True, hint=""):
    """Judge a student's gradient `got` of the grader's scalar `f` at `x`: the full
    numdifftools gradient (small inputs) or directional derivatives (large ones). On a
    mismatch the message also names the known mistake whose value `got` matches
    (`mistakes`: label -> value), or else gives `hint`."""
    try:
        if full:
            check_gradient_full(f, x, got, name=name, arg=arg, rtol=rtol, atol=atol)
        else:
            check_directional(f, x, got, name=name, arg=arg, rtol=rtol, atol=atol)
    except GradientMismatch as e:
        mistake = matching_mistake(got, mistakes, rtol, atol)
        extra = f" {hint}" if hint and not mistake else ""
        raise GradientMismatch(str(e).rstrip(".") + "." + extra, mistake=mistake) from None
