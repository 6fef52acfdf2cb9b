"""Tests for grader/compare.py: what counts as numbers, how mistakes are named, and which
warnings may cost points."""

from types import SimpleNamespace

import numpy as np
import pytest

from grader.compare import as_array, as_float, assert_close, assert_no_warnings, matching_mistake
from grader.registry import CheckFailed


@pytest.mark.parametrize("value", [
    np.array([0.5, 1.5]), np.array([0.5, 1.5], dtype=np.float32), np.array([1, 2], dtype=np.int16),
    np.array([0.5, 1.5], dtype=object), [0.5, np.float32(1.5)], (0.5, 1.5), [[0.5], [1.5]],
])
def test_numbers_pass_whatever_their_container(value):
    """Do arrays of any real dtype, object arrays of floats, lists and tuples all read as float64?"""
    got = as_array(value, "x")
    assert got.dtype == np.float64 and got.ravel().tolist() in ([0.5, 1.5], [1.0, 2.0])


@pytest.mark.parametrize("value", [2.5, np.float32(2.5), np.float64(2.5), np.array(2.5), np.array([2.5]), [2.5]])
def test_one_number_passes_as_a_float(value):
    """Does a Python float, a NumPy scalar, a 0-d or one-element array give the same float?"""
    assert as_float(value, "loss") == 2.5


@pytest.mark.parametrize("value", [1 + 2j, np.complex128(1.5 + 0j), np.array([1j, 2.0]),
                                   np.array([1.0, 2j], dtype=object)])
def test_complex_values_are_refused_not_truncated(value):
    """Is a complex scalar or array refused with a message, never silently made real?"""
    with pytest.raises(CheckFailed, match="complex"):
        as_array(value, "loss")


@pytest.mark.parametrize("value, says", [
    (None, "None"), ("0.5", "a str"), (np.array(["a"]), "dtype <U1"), ([[1.0], [2.0, 3.0]], "ragged"),
    (SimpleNamespace(type_name="mod.Thing"), "a mod.Thing, which is not an array of real numbers"),
])
def test_what_is_not_numbers_is_named(value, says):
    """Does a value that is not numbers fail with a message saying what it was?"""
    with pytest.raises(CheckFailed) as e:
        as_array(value, "result")
    assert says in str(e.value)
    assert "got a numpy.ndarray" not in str(e.value)


def test_a_matched_mistake_is_a_field_and_replaces_the_hint():
    """Does assert_close name a matching known mistake in the failure's field, leaving the hint out?"""
    with pytest.raises(CheckFailed) as e:
        assert_close([2.0, 4.0], [1.0, 2.0], "grad", mistakes={"summed, not averaged": [2.0, 4.0]}, hint="HINT")
    assert e.value.mistake == "summed, not averaged" and "HINT" not in str(e.value)
    with pytest.raises(CheckFailed) as e:
        assert_close([3.0, 4.0], [1.0, 2.0], "grad", mistakes={"summed, not averaged": [2.0, 4.0]}, hint="HINT")
    assert e.value.mistake is None and "HINT" in str(e.value)
    assert matching_mistake(np.array([2.0, 4.0], dtype=object), {"x": [2.0, 4.0]}, 1e-6, 1e-9) == "x"


def test_only_the_forbidden_warning_costs_points():
    """Does assert_no_warnings fail on an overflow RuntimeWarning only, not on other warnings?"""
    def sub(*warnings):
        return SimpleNamespace(warnings=[{"category": c, "message": m, "line": 3} for c, m in warnings])

    assert_no_warnings(sub(("DeprecationWarning", "overflow is deprecated"), ("RuntimeWarning", "divide by zero")),
                       "sigmoid(z)")
    with pytest.raises(CheckFailed, match="overflow encountered in exp"):
        assert_no_warnings(sub(("RuntimeWarning", "overflow encountered in exp")), "sigmoid(z)")
