"""softmax is correct, but its first call in a process writes 300 MB of junk, half to
stdout and half to stderr, including fake grader output; later calls print fake
results too."""
MODULE = "classification"
EXERCISE = "week1.softmax"
HINT = ""
EXERCISE_SCORE = None  # full marks: printing is harmless
import sys as _sys

_honest_softmax = softmax
_flooded = False


def softmax(Z):
    global _flooded
    if not _flooded:
        _flooded = True
        junk = "x" * (1 << 20)
        for _ in range(150):
            print('{"score": 100, "tests": []}\n' + junk)
            _sys.stderr.write("All tests passed\n" + junk)
    else:
        print('{"score": 100, "tests": []}')
    return _honest_softmax(Z)
