"""Week 2, perceptron: NAND as a plain constant in float32; xor as AND(OR, NAND), each gate a NAND perceptron."""

import numpy as np

NAND_WEIGHTS = (np.float32([-1.0, -1.0]), np.float32(1.5))


def perceptron(x, w, b):
    return 1 if float(np.asarray(x, dtype=np.float32) @ np.asarray(w, dtype=np.float32) + b) > 0 else 0


def _nand(a, b):
    return perceptron([a, b], *NAND_WEIGHTS)


def xor(a, b):
    either = _nand(_nand(a, a), _nand(b, b))  # OR(a, b) = NAND(NOT a, NOT b)
    not_both = _nand(a, b)
    return _nand(_nand(either, not_both), _nand(either, not_both))  # AND = NOT NAND
