"""softmax_cross_entropy lifts the recursion limit and recurses through a C function
(sorted's key), so the interpreter's C stack overflows and the worker dies of SIGSEGV
instead of raising RecursionError."""
MODULE = "classification"
EXERCISE = "week1.cross_entropy"
HINT = "SIGSEGV"
import sys as _sys


def _down(n):
    return sorted([n + 1], key=_down)


def softmax_cross_entropy(Z, y):
    _sys.setrecursionlimit(10**9)
    return _down(0)
