"""The perceptron: a weighted sum and a threshold, and logic gates built from it.

``NAND_WEIGHTS`` is the pair ``(w, b)`` that makes ``perceptron`` a NAND gate. It is
computed by ``nand_weights()`` when it is first read (the module's ``__getattr__``
below), so that this file imports even while that exercise is unfinished; writing
``NAND_WEIGHTS = (w, b)`` as a plain constant instead works just as well.
"""

import numpy as np


def perceptron(x, w, b):
    """y = 1 if w·x + b > 0 else 0: Rosenblatt's threshold unit.

    The threshold is strict: a weighted sum of exactly 0 gives 0.

    Args:
        x: inputs, shape (D,).
        w: weights, shape (D,).
        b: the bias, a number.

    Returns:
        1 or 0, as a Python int.
    """
    raise NotImplementedError("week2.perceptron")


def nand_weights():
    """(w, b) with w of shape (2,) such that perceptron(x, w, b) = NAND(x₁, x₂) on {0, 1}².

    NAND is 0 only for x = (1, 1): w·x + b must be > 0 at (0, 0), (0, 1), (1, 0)
    and ≤ 0 at (1, 1). With w = (−2, −2), b = 3 the sums are 3, 1, 1, −1.

    Returns:
        ``(w, b)``: an array of shape (2,) and a number.
    """
    raise NotImplementedError("week2.perceptron")


def xor(a, b):
    """a XOR b for a, b ∈ {0, 1}, built only of NAND perceptrons.

    No single perceptron computes XOR (its 1s and 0s cannot be separated by a
    line), but NAND is universal: with n = NAND(a, b),
    XOR(a, b) = NAND(NAND(a, n), NAND(b, n)), four perceptrons in three layers.

    Args:
        a, b: 0 or 1 (Python ints, bools or NumPy integers).

    Returns:
        1 or 0, as a Python int.
    """
    raise NotImplementedError("week2.perceptron")


def __getattr__(name):
    """``perceptron.NAND_WEIGHTS`` (and ``from .perceptron import NAND_WEIGHTS``) is ``nand_weights()``."""
    if name == "NAND_WEIGHTS":
        return nand_weights()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
