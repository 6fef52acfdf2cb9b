"""Hidden checks for perceptron.py: random units in 1 to 8 dimensions, zero sums
among them; xor with bools and NumPy integers as inputs."""

import numpy as np

from grader.registry import check

from .public_perceptron import assert_perceptron, assert_xor


@check("week2.perceptron", points=1)
def perceptron_random_units(sub, ref):
    """Check that perceptron matches w·x + b > 0 for random units in 1 to 8 dimensions, sums of exactly 0 included."""
    rng = np.random.default_rng(201)
    for k in range(24):
        d = int(rng.integers(1, 9))
        x = rng.integers(-4, 5, size=d) / 2.0  # halves and quarters: every sum is exact
        w = rng.integers(-8, 9, size=d) / 4.0
        b = -float(w @ x) if k % 3 == 0 else float(rng.integers(-8, 9)) / 8.0  # every third sum is exactly 0
        assert_perceptron(sub, x, w, b)


@check("week2.perceptron", points=1)
def xor_with_bools_and_numpy_integers(sub, ref):
    """Check that xor gives XOR's truth table for bools and NumPy integers as inputs too."""
    assert_xor(sub, cast=bool, label="bools (False, True)")
    assert_xor(sub, cast=np.int64, label="NumPy int64 values")
