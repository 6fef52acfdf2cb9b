"""Public checks for perceptron.py: the threshold unit against the grader's own
``w·x + b > 0``, the NAND weights on {0, 1}², and xor's truth table.

Every case is exact: weights and inputs are small dyadic fractions, so the weighted
sums (zeros included) have no rounding error and the strict threshold is judged
exactly.
"""

import itertools

import numpy as np

from grader.compare import as_array, as_float, describe, fmt
from grader.registry import CheckFailed, check

BITS = list(itertools.product((0, 1), repeat=2))
THRESHOLD_HINT = "The threshold is strict: w·x + b = 0 gives 0 (use > 0, not >= 0)."
GATES = {(0, 1, 1, 0): "XOR", (0, 1, 1, 1): "OR", (0, 0, 0, 1): "AND", (1, 1, 1, 0): "NAND", (1, 0, 0, 0): "NOR",
         (1, 0, 0, 1): "XNOR", (0, 0, 0, 0): "the constant 0", (1, 1, 1, 1): "the constant 1"}


def as_bit(value, what):
    """A student's output as 0 or 1 (a Python or NumPy integer, a bool, or a float equal to 0 or 1)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    v = as_float(value, what)
    if v not in (0.0, 1.0):
        raise CheckFailed(f"{what} returned {fmt(v)}; a perceptron outputs 0 or 1")
    return int(v)


def unit(x, w, b):
    """The grader's perceptron: 1 if w·x + b > 0 else 0."""
    return int(float(np.dot(w, x)) + b > 0)


def assert_perceptron(sub, x, w, b):
    """The student's perceptron(x, w, b) against the grader's, naming the weighted sum."""
    what = f"perceptron(x={np.asarray(x).tolist()}, w={np.asarray(w).tolist()}, b={fmt(b)})"
    got = as_bit(sub.perceptron.perceptron(x, w, b), what)
    s = float(np.dot(w, x)) + b
    expected = unit(x, w, b)
    if got != expected:
        hint = f" {THRESHOLD_HINT}" if s == 0 else " Expected 1 if w·x + b > 0, else 0."
        raise CheckFailed(f"{what} returned {got}; w·x + b = {fmt(s)}, so expected {expected}.{hint}")


def truth_table(fn):
    """(f(0,0), f(0,1), f(1,0), f(1,1)) and a sentence naming the gate it is."""
    table = tuple(fn(a, b) for a, b in BITS)
    name = GATES.get(table)
    return table, (f" That is {name}." if name else "")


def nand_weights(sub):
    """The student's NAND_WEIGHTS as (w of shape (2,), b a float)."""
    value = sub.attr("perceptron.NAND_WEIGHTS")
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise CheckFailed(f"NAND_WEIGHTS should be a pair (w, b), got {describe(value)}")
    w = as_array(value[0], "the w of NAND_WEIGHTS", shape=(2,))
    b = as_float(value[1], "the b of NAND_WEIGHTS")
    if not (np.isfinite(w).all() and np.isfinite(b)):
        raise CheckFailed(f"NAND_WEIGHTS holds a non-finite number: w = {w.tolist()}, b = {fmt(b)}")
    return w, b


def assert_xor(sub, cast=int, label="ints"):
    """xor's truth table, with the bits passed as `cast(bit)`."""
    table, name = truth_table(lambda a, b: as_bit(sub.perceptron.xor(cast(a), cast(b)),
                                                  f"xor({a}, {b}) with {label}"))
    if table != (0, 1, 1, 0):
        rows = ", ".join(f"xor{ab} = {t}" for ab, t in zip(BITS, table))
        raise CheckFailed(f"with {label} as inputs, {rows}; expected 0, 1, 1, 0.{name} XOR(a, b) = "
                          "NAND(NAND(a, n), NAND(b, n)) with n = NAND(a, b): four perceptrons with NAND_WEIGHTS.")


# --- week2.perceptron ---------------------------------------------------------


@check("week2.perceptron", points=1)
def perceptron_strict_threshold(sub, ref):
    """Check that perceptron outputs 1 exactly when w·x + b > 0, and 0 when the sum is exactly 0."""
    cases = [
        ([1.0, 2.0], [0.5, -0.25], 0.125),        # w·x + b = 0.125 > 0
        ([1.0, 2.0], [0.5, -0.25], -0.125),       # −0.125
        ([3.0, -1.0, 2.0], [1.0, 2.0, -0.5], 0.5),  # 0.5
        ([1.0, 0.0, 0.0, 1.0], [0.25, 9.0, -9.0, 0.5], -0.75),  # exactly 0
        ([2.0, 2.0], [1.0, -1.0], 0.0),           # exactly 0
        ([0.5], [-4.0], 2.0),                     # exactly 0 in one dimension
    ]
    for x, w, b in cases:
        assert_perceptron(sub, np.array(x), np.array(w), b)


@check("week2.perceptron", points=1)
def nand_weights_make_a_nand_gate(sub, ref):
    """Check that NAND_WEIGHTS = (w, b) make w·x + b > 0 exactly where NAND is 1, and that perceptron with them is NAND."""
    w, b = nand_weights(sub)
    sums = {ab: float(w @ np.array(ab, dtype=float)) + b for ab in BITS}
    table, name = truth_table(lambda a, c: int(sums[(a, c)] > 0))
    if table != (1, 1, 1, 0):
        listed = ", ".join(f"{fmt(sums[ab])} at {ab}" for ab in BITS)
        raise CheckFailed(f"with NAND_WEIGHTS w = {w.tolist()}, b = {fmt(b)}, the sums w·x + b are {listed}: the "
                          f"perceptron gives {', '.join(map(str, table))}, expected NAND = 1, 1, 1, 0.{name} The sum "
                          "must be > 0 at (0, 0), (0, 1), (1, 0) and ≤ 0 at (1, 1), e.g. w = (−2, −2), b = 3.")
    table, name = truth_table(lambda a, c: as_bit(sub.perceptron.perceptron(np.array([a, c], dtype=float), w, b),
                                                  f"perceptron(x=[{a}, {c}], *NAND_WEIGHTS)"))
    if table != (1, 1, 1, 0):
        raise CheckFailed(f"perceptron with NAND_WEIGHTS gives {', '.join(map(str, table))} on (0, 0), (0, 1), (1, 0), "
                          f"(1, 1), expected NAND = 1, 1, 1, 0.{name}")


@check("week2.perceptron", points=1)
def xor_truth_table(sub, ref):
    """Check that xor(a, b) is 0, 1, 1, 0 on (0, 0), (0, 1), (1, 0), (1, 1)."""
    assert_xor(sub)
