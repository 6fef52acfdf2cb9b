"""optimizers.py ends its own process at import with os._exit(0), hoping the grader
reads exit code 0 as success: every exercise of optimizers.py scores 0, nothing else
is touched."""
MODULE = "optimizers"
EXERCISE = "week1.sgd week1.momentum week1.nesterov week1.adagrad week1.rmsprop week1.adam"
HINT = "exit code 0"
import os as _os

_os._exit(0)
