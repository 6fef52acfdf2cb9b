"""training.py calls sys.exit(0) at module level (a script's `if` guard forgotten):
both exercises of training.py score 0, the rest of the week is untouched."""
MODULE = "training"
EXERCISE = "week1.minibatches week1.train_softmax"
HINT = "SystemExit"
import sys as _sys

_sys.exit(0)
