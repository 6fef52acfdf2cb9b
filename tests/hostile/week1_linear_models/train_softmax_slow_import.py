"""training.py sleeps at import (a module-level loop the student forgot about)."""
MODULE = "training"
EXERCISE = "week1.minibatches week1.train_softmax"
HINT = "importing training.py did not finish"
import time as _time

_time.sleep(3600)
