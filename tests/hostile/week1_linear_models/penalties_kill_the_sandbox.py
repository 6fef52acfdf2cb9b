"""l1_penalty kills the process that forks the workers (its parent), then hangs.
Under bubblewrap that ends the sandbox (and the worker with it); without, the worker
hangs until its time limit."""
MODULE = "classification"
EXERCISE = "week1.penalties"
HINT = ("did not finish within", "the sandbox around it was killed")
import os as _os
import signal as _signal


def l1_penalty(w, lam):
    _os.kill(_os.getppid(), _signal.SIGKILL)
    while True:
        pass
