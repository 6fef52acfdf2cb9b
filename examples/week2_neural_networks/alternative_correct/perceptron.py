"""Week 2, perceptron: written independently of the reference solution.

``NAND_WEIGHTS`` is a plain constant here (the stub's ``__getattr__`` is not used); the
weighted sum is an explicit loop, and ``xor`` is OR(a, b) AND NAND(a, b), each of OR and
AND written with NAND perceptrons only.
"""

import numpy as np

NAND_WEIGHTS = (np.array([-1.0, -1.0], dtype=np.float32), 1.5)


def perceptron(x, w, b):
    total = float(b)
    for xi, wi in zip(np.ravel(x), np.ravel(w)):
        total += float(xi) * float(wi)
    return 1 if total > 0.0 else 0


def _nand(a, b):
    return perceptron(np.array([a, b], dtype=np.float32), *NAND_WEIGHTS)


def xor(a, b):
    a, b = int(a), int(b)
    either = _nand(_nand(a, a), _nand(b, b))  # OR(a, b) = NAND(NOT a, NOT b)
    not_both = _nand(a, b)
    both_conditions = _nand(either, not_both)  # NAND(OR, NAND) = NOT(XOR)
    return _nand(both_conditions, both_conditions)  # NOT
