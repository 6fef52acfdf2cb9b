"""softmax is correct but prints 20 MB of junk, including fake grader output."""
MODULE = "classification"
EXERCISE = "week1.softmax"
HINT = ""
EXERCISE_SCORE = None  # full marks: printing is harmless
import sys as _sys

_honest_softmax = softmax


def softmax(Z):
    print('{"score": 100, "tests": []}\n' + "x" * 10_000_000)
    _sys.stderr.write("passed\n" * 1_000_000)
    return _honest_softmax(Z)
