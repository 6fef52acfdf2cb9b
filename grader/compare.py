"""Comparing what student code returned with what it should have returned.

Every value is first turned into a concrete float64 NumPy array (so an object
with a lying ``__eq__`` or arithmetic gains nothing), then compared with an
explicit measure: an element is wrong when ``|got − expected| > atol + rtol·|expected|``.
Failures raise `CheckFailed` with a message that names what was compared, the
worst element, both values and, when the wrong result is what a known mistake
would give, that mistake.
"""

from __future__ import annotations

import numpy as np

from .registry import CheckFailed

DIAGNOSIS = "This is exactly what {label} gives."  # how reports render a failure's `mistake`


def fmt(x) -> str:
    """A number as a student should read it."""
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return repr(x)


def describe(value) -> str:
    """A short description of a value's type and shape for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if value is None:
        return "None (did you forget a return statement?)"
    type_name = getattr(value, "type_name", None) or type(value).__name__
    return f"a {type_name}"


def as_array(value, what: str, shape: tuple | None = None) -> np.ndarray:
    """`value` as a float64 array, with `shape` enforced when given.

    Numbers pass whatever their container: a NumPy array of any real numeric dtype (or of
    object dtype holding real numbers), a 0-d array, a NumPy scalar, a Python number, and
    lists or tuples of these. Complex values are refused (their imaginary part is never
    dropped silently), and so is anything else, with a message saying what it was."""
    if getattr(value, "type_name", None) is not None:  # a handle: the value stayed in the student's process
        raise CheckFailed(f"{what} should be numbers, got {describe(value)}, which is not an array of real numbers")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} could not be read as an array of numbers (got {describe(value)}: "
                          "a ragged list or values of mixed kinds?)") from None
    if raw.dtype.kind == "O":
        kinds = {type(v) for v in raw.flat}
        if any(issubclass(k, (complex, np.complexfloating)) for k in kinds):
            raw = raw.astype(np.complex128)
        elif all(issubclass(k, (int, float, np.integer, np.floating, np.bool_)) for k in kinds):
            raw = raw.astype(np.float64)
    if raw.dtype.kind == "c":
        raise CheckFailed(f"{what} has complex values ({describe(value)}); expected real numbers")
    if raw.dtype.kind not in "biuf":
        raise CheckFailed(f"{what} should be an array of numbers, got {describe(value)}")
    arr = np.array(raw, dtype=np.float64)
    if shape is not None and arr.shape != tuple(shape):
        raise CheckFailed(f"{what} has shape {arr.shape}, expected shape {tuple(shape)}")
    return arr


def as_float(value, what: str) -> float:
    """`value` as one Python float (a number or an array with one element)."""
    arr = as_array(value, what)
    if arr.size != 1:
        raise CheckFailed(f"{what} should be a single number, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def assert_finite(arr: np.ndarray, what: str, hint: str = "") -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        msg = f"{what} has a non-finite value ({fmt(arr[idx])}) at index {idx}"
        raise CheckFailed(msg + (f". {hint}" if hint else ""))


def worst(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float):
    """(ratio, index) of the element that most exceeds ``atol + rtol·|expected|``;
    ratio ≤ 1 means every element is within tolerance."""
    if actual.size == 0:
        return 0.0, ()
    diff = np.abs(actual - expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = diff / (atol + rtol * np.abs(expected))
    ratio = np.where(diff == 0, 0.0, np.where(np.isnan(ratio), np.inf, ratio))
    flat = int(np.argmax(ratio))
    return float(ratio.flat[flat]), tuple(int(i) for i in np.unravel_index(flat, actual.shape))


def close(actual, expected, rtol: float, atol: float) -> bool:
    """True when `actual` matches `expected` in shape and within tolerance."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    return a.shape == e.shape and bool(np.isfinite(a).all()) and worst(a, e, rtol, atol)[0] <= 1.0


def matching_mistake(got, mistakes: dict | None, rtol: float, atol: float) -> str | None:
    """The label of the first known mistake (`mistakes`: label -> the value that mistake
    gives) whose value `got` matches, atol taken relative to that value's largest entry;
    else None."""
    try:
        arr = as_array(got, "value")
    except CheckFailed:
        return None
    for label, candidate in (mistakes or {}).items():
        if candidate is None:
            continue
        scale = float(np.max(np.abs(np.asarray(candidate, dtype=np.float64)), initial=0.0))
        if close(arr, candidate, rtol, atol * max(scale, 1e-300)):
            return label
    return None


def assert_close(actual, expected, what: str, rtol: float = 1e-5, atol: float = 1e-8,
                 mistakes: dict | None = None, hint: str = "") -> np.ndarray:
    """Raise CheckFailed unless `actual` equals `expected` within tolerance.

    `mistakes` maps a description of a known bug ("the gradient summed instead of
    averaged") to the value that bug produces; when `actual` matches one, the failure
    carries it as its `mistake` (and `hint` is left out). Returns `actual` as a float64
    array.
    """
    expected = np.asarray(expected, dtype=np.float64)
    a = as_array(actual, what, shape=expected.shape)
    mistake = next((label for label, candidate in (mistakes or {}).items()
                    if candidate is not None and close(a, candidate, rtol, atol)), None)
    if not np.isfinite(a).all():
        try:
            assert_finite(a, what, "" if mistake else hint)
        except CheckFailed as e:
            raise CheckFailed(str(e), mistake=mistake) from None
    ratio, idx = worst(a, expected, rtol, atol)
    if ratio > 1.0:
        where = f" at index {idx}" if idx else ""
        msg = f"{what}{where}: got {fmt(a[idx])}, expected {fmt(expected[idx])}."
        raise CheckFailed(msg + (f" {hint}" if hint and not mistake else ""), mistake=mistake)
    return a


def assert_no_warnings(sub, what: str, hint: str = "", *, forbidden: str = "overflow") -> None:
    """Fail when the last call into student code emitted a RuntimeWarning whose message
    names `forbidden` (numpy's "overflow encountered in exp"), where the contract's table
    forbids it. Any other warning (a library's DeprecationWarning, a harmless divide in an
    unused branch) costs nothing: only what a table forbids may cost points."""
    for w in sub.warnings:
        if w.get("category") != "RuntimeWarning" or forbidden not in str(w.get("message", "")).lower():
            continue
        line = f" (line {w.get('line')})" if w.get("line") else ""
        msg = f"{what} emitted {w.get('category')}: {w.get('message')}{line}"
        raise CheckFailed(msg + (f". {hint}" if hint else ""))
