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
  gradcheck, compares ``vᵀJu`` for a few random directions ``u``: four calls of
  ``f`` per probe whatever the size (steps eps and 2·eps), but one slightly wrong
  entry among many can hide in the projection (the tests show one).

The tolerance scales with what is compared, never with the function's values. An
element fails when

    |got − expected| > rtol·m + atol·m_max + e_oracle,

- ``m``, the magnitude of the terms that make the compared element: ``|J_ij|`` for
  an entry of a gradient or Jacobian; ``Σ_i |J_ij·v_i|`` for entry j of a backward
  pass ``Jᵀv``; ``Σ_i |v_i·(Ju)_i|`` for a directional derivative ``vᵀJu``, with
  ``Ju`` the oracle's own central difference per output. A correct float32
  implementation is off by a few ``6e-8·m`` (rounding grows with the terms summed,
  not with their sum), so ``rtol`` is the relative precision demanded;
- ``m_max``, the largest ``m`` of the compared array (of all probes, for the
  directional check): an absolute floor relative to the compared quantity, so that
  an element near zero among large ones is judged on its neighbours' scale;
- ``e_oracle``, the numerical differentiation's own error. For the full checks:
  numdifftools' error estimate plus a bound on rounding,
  ``4·ε·(|f_i(x)| + Σ_k |J_ik·x_k|) / h_j`` (ε = 2.2e-16; h_j numdifftools'
  smallest step, 1e-3·max(1, log(1 + |x_j|))/512 ≈ 2e-6: about ``4.5e-10·|f|``),
  summed with weights |v_i| for a backward pass. For the directional check:
  ``ε·Σ_i |v_i|·(|f_i(x + eps·u)| + |f_i(x − eps·u)|) / (2·eps)`` for rounding plus
  ``|D(eps) − D(2·eps)|`` (three times the truncation error of the central
  difference D). It is the oracle's precision, and the only place where the size
  of ``f``'s values enters: for f(x) = 2x + 1e4 on 50 inputs it is about 5e-6 per
  Jacobian entry and 1e-4 per directional probe, where the old allowance,
  ``atol·max|f(x)|`` or ``atol·Σ|v·f(x)|`` with the weeks' atol of 1e-5, was 0.1
  for the full check and about 4 for the backward and directional checks, against
  derivatives of 2.

Nothing is taken from the student's values, so a student cannot widen their
tolerance. Where the derivative is exactly zero and so is the oracle's error (f
constant in that argument and zero), the tolerance is zero: exact zeros are expected.

Every random draw comes from ``numpy.random.default_rng(rng)``, seed 0 by default.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numdifftools as nd
import numpy as np

from .compare import as_array, matching_mistake
from .registry import CheckFailed

SEED = 0


# numdifftools' default for Jacobian starts at steps of 2.0 (times log(e + |x|)) and
# stops at 1e-4; where f bends sharply (tanh(1000·x)) every step is too large and
# Richardson extrapolation confidently returns a wrong derivative (0 for 165 in one
# case seen). Steps from 1e-3 down to 2e-6 stay well clear of that and of rounding
# (about 1e-16·|f|/2e-6 = 5e-11·|f|), at 20 calls of f per element of x.
def _steps() -> nd.MaxStepGenerator:
    return nd.MaxStepGenerator(base_step=1e-3, num_steps=10)  # a fresh one: it keeps state


_EPS = float(np.finfo(np.float64).eps)
# Rounding of a numdifftools derivative, in units of ε·(|f_i(x)| + Σ_k |J_ik·x_k|) / h_j: the
# error of evaluating f_i (its size, and how far rounding its inputs by ε moves it: sin(Ax)
# with |Ax| ≫ |sin| needs the second term) over h_j, the smallest step for x_j. The true error
# stayed below 0.55 of one unit (numdifftools' own estimate added) over 1500 random linear,
# sin and squared maps with offsets up to 1e8, |x| up to 1e3 and |J| from 1e-3 to 1e9.
# numdifftools' estimate alone falls short by factors up to 5e6 where rounding dominates (it
# picks the step whose estimate happens to be smallest, e.g. for 2x + 1e4).
_ROUNDING_UNITS = 4.0


class GradientMismatch(CheckFailed):
    """Raised with a student-facing message."""


@dataclass
class GradCheckStats:
    """Figures for benchmarks, accumulated over every check it is passed to."""

    evaluations: int = 0  # calls of f
    seconds: float = 0.0


# --- inputs -------------------------------------------------------------------


def _student_array(value, *, what: str) -> np.ndarray:
    """A student's value as a plain float64 ndarray (numbers in any container, as
    `grader.compare.as_array` reads them), or GradientMismatch saying why not."""
    try:
        return as_array(value, what)  # a copy: later changes by the student don't matter
    except CheckFailed as e:
        raise GradientMismatch(str(e)) from None
    except Exception as exc:  # a hostile __array__
        raise GradientMismatch(f"{what} is not an array of numbers ({type(exc).__name__}: {exc})") from None


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


def _jacobian(f, x: np.ndarray, stats: GradCheckStats | None):
    """(f(x), J, E): J[i, j] = ∂f(x).flat[i] / ∂x.flat[j], shape (f(x).size, x.size), and
    E ≥ 0 of the same shape, the error of J as numdifftools estimates it plus a bound on
    rounding (see _ROUNDING_UNITS)."""
    counted = _Counted(f, x.shape)

    def flat_f(flat: np.ndarray) -> np.ndarray:
        return counted(flat).ravel()

    try:
        fx = _oracle_array(counted(x), what="f(x)")
        if x.size == 0 or fx.size == 0:
            raise ValueError("grader oracle: nothing to differentiate (x or f(x) is empty)")
        result = nd.Jacobian(flat_f, step=_steps(), method="central", full_output=True)(x.ravel())
    finally:
        if stats is not None:
            stats.evaluations += counted.calls
    m, n = fx.size, x.size

    def shaped(raw, what):
        array = np.asarray(raw, dtype=np.float64)
        # numdifftools squeezes when the output or the input has one element
        if array.shape != (m, n):
            if array.size != m * n or (m > 1 and n > 1):
                raise RuntimeError(f"numdifftools returned shape {array.shape}, expected {(m, n)}")
            array = array.reshape(m, n)
        return _oracle_array(array, what=what)

    jac = shaped(result.estimate, "the numerical Jacobian")
    estimate = np.abs(shaped(result.error_estimate, "numdifftools' error estimate"))
    flat_x = x.ravel()
    smallest = np.min(list(_steps()(flat_x, method="central", n=1, order=2)), axis=0)
    size = np.abs(fx.ravel()) + np.abs(jac) @ np.abs(flat_x)  # of f_i and of what rounding x moves
    rounding = _ROUNDING_UNITS * _EPS * size[:, None] / smallest[None, :]
    return fx, jac, estimate + rounding


def _directional(f, x: np.ndarray, u: np.ndarray, v: np.ndarray, eps: float) -> tuple[float, float, float]:
    """(D, m, e) for D(h) = vᵀ(f(x + h·u) − f(x − h·u))/(2h): D = D(eps); m = Σ_i |v_i·(Ju)_i| with
    Ju the central difference per output; e = ε·Σ_i |v_i|·(|f_i(x + eps·u)| + |f_i(x − eps·u)|)/(2·eps)
    (rounding) + |D(eps) − D(2·eps)| (D(eps)'s truncation error is a third of that)."""

    def evaluate(h):
        return (_oracle_array(f(x + h * u), what=f"f(x + {h:g}·u)"),
                _oracle_array(f(x - h * u), what=f"f(x - {h:g}·u)"))

    plus, minus = evaluate(eps)
    ju = (plus - minus) / (2 * eps)
    estimate = float(np.vdot(v, ju))
    plus2, minus2 = evaluate(2 * eps)
    coarse = float(np.vdot(v, plus2 - minus2)) / (4 * eps)
    rounding = _EPS * float(np.sum(np.abs(v) * (np.abs(plus) + np.abs(minus)))) / (2 * eps)
    return estimate, float(np.sum(np.abs(v * ju))), rounding + abs(estimate - coarse)


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


def _tolerance(magnitude: np.ndarray, oracle_error: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """tol = rtol·m + atol·max(m) + e_oracle, elementwise (m: the magnitude of each element's terms)."""
    return rtol * magnitude + atol * float(np.max(magnitude)) + oracle_error


def _ratio(difference: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """difference / tol; where tol is 0 (an exactly zero derivative, an exact oracle), 0 for
    an exact match and inf for anything else."""
    with np.errstate(over="ignore"):  # a subnormal tolerance: inf is the right answer
        return np.divide(difference, tol, out=np.where(difference > 0, np.inf, 0.0), where=tol > 0)


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
    ratio = _ratio(np.abs(received - expected), tol)
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
        rtol, atol: element (i, j) fails when ``|got − expected| > rtol·|J_ij|
            + atol·max|J| + e_ij``, J the numerical Jacobian (the gradient, for
            scalar f) and e_ij its estimated error (see the module docstring).
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
        fx, jac, error = _jacobian(f, x, stats)
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

        tol = _tolerance(np.abs(jac), error, rtol, atol).reshape(expected.shape)
        _compare(received, expected, tol, describe=describe)


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
        rtol, atol: element j fails when ``|got − expected| > rtol·m_j +
            atol·max_k m_k + Σ_i |v_i|·e_ij``, where ``m_j = Σ_i |J_ij·v_i|`` is
            the size of the terms the student sums for it and e_ij the estimated
            error of the numerical Jacobian (see the module docstring).
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
        fx, jac, error = _jacobian(f, x, stats)
        v = np.asarray(_rng(rng).standard_normal(fx.shape))
        what = f"backward of {name}: gradient for {arg}"
        received = _student_array(vjp(v.copy()), what=what)
        _require_shape(received, [x.shape], what=what)
        _require_finite(received, what=what)
        expected = (jac.T @ v.ravel()).reshape(x.shape)
        magnitude = (np.abs(jac.T) @ np.abs(v.ravel())).reshape(x.shape)
        oracle_error = (error.T @ np.abs(v.ravel())).reshape(x.shape)
        _compare(
            received, expected, _tolerance(magnitude, oracle_error, rtol, atol),
            describe=lambda flat: f"{what} is wrong at index {_index(flat, x.shape)}",
            note=" (v: a random upstream gradient; expected: Jᵀv by numerical differentiation)",
        )


def check_directional(
    f, x, vjp_or_grad, *, name: str, arg: str, probes: int = 3, rng=None, rtol: float = 1e-4,
    atol: float = 1e-7, eps: float = 1e-6, stats: GradCheckStats | None = None,
) -> None:
    """The fast check: ``vᵀJu`` for `probes` random unit directions `u`, 4 calls of `f` each.

    The analytic side is ``<vjp(v), u>`` (or ``vᵀ·J·u`` when an array is given);
    the numerical side is ``vᵀ(f(x + eps·u) − f(x − eps·u)) / (2·eps)``. `v` is
    standard normal, shaped like ``f(x)``, or 1.0 for scalar f.

    Being one number per probe, it cannot see an error that the projection hides: one
    slightly wrong entry among many moves ``vᵀJu`` by a fraction of its own error, and
    its tolerance is relative to the probe's magnitude, not to that entry. An error in
    every entry, or in one entry of a small input, is seen.

    Args:
        f: the grader's oracle, mapping an array shaped like `x` to a float or an array.
        x: the point, the argument being differentiated.
        vjp_or_grad: the student's backward pass (``vjp(v) -> array shaped like x``)
            or, instead of a callable, a gradient shaped like `x` (scalar f) or a
            Jacobian as in `check_gradient_full` (vector f).
        name, arg: the function and argument names used in the message.
        probes: the number of random (u, v) pairs.
        rng: seed or Generator for u and v; seed 0 by default.
        rtol, atol: probe k fails when ``|got − expected| > rtol·m_k +
            atol·max_l m_l + e_k``, where ``m_k = Σ_i |v_i·(Ju)_i|`` with ``Ju``
            the central difference per output (the size of the terms ``vᵀJu``
            sums), and ``e_k`` the central difference's own error: rounding,
            ``ε·Σ_i |v_i|·(|f_i(x + eps·u)| + |f_i(x − eps·u)|) / (2·eps)``, plus
            ``|D(eps) − D(2·eps)|``, three times the truncation error of D(eps).
        eps: the central-difference step along the unit direction u.
        stats: if given, calls of `f` and seconds are added to it.

    Returns:
        None.

    Raises:
        GradientMismatch: wrong type, shape, a non-finite entry, or the probe
            furthest outside its tolerance, with both numbers. What a callable
            `vjp_or_grad` raises propagates: the caller records it as an error.
    """
    x = _oracle_array(x, what="x")
    if x.size == 0 or probes < 1:
        raise ValueError("check_directional needs a non-empty x and at least one probe")
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
            got, expected, magnitude, oracle_error = (np.zeros(probes) for _ in range(4))
            for k in range(probes):
                u = generator.standard_normal(x.shape)
                u /= np.linalg.norm(u)
                v = np.asarray(1.0 if scalar else generator.standard_normal(fx.shape))
                if jac is None:
                    grad = _student_array(vjp_or_grad(v.copy()), what=what)
                    _require_shape(grad, [x.shape], what=what)
                    _require_finite(grad, what=what)
                    got[k] = float(np.vdot(grad, u))
                else:
                    got[k] = float(np.ravel(v) @ (jac @ u.ravel()))
                expected[k], magnitude[k], oracle_error[k] = _directional(counted, x, u, v, eps)
            tol = _tolerance(magnitude, oracle_error, rtol, atol)
            difference = np.abs(got - expected)
            ratio = _ratio(difference, tol)
            k = int(np.argmax(ratio))
            if ratio[k] > 1:
                raise GradientMismatch(
                    f"{what} fails the directional check at probe {k + 1} of {probes}:"
                    f" {probe_name} is {_num(got[k])} from your {source},"
                    f" the central difference gives {_num(expected[k])}"
                    f" (|difference| {difference[k]:.3g} is"
                    f" {ratio[k]:.3g} times the tolerance {tol[k]:.3g})"
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
