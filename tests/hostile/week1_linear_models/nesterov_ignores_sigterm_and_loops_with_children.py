"""Nesterov.step installs a SIGTERM handler that does nothing, starts a forked child and
a Python subprocess that both ignore SIGTERM and loop, then loops forever itself. The
timeout must stop all three (SIGKILL), and none may outlive grading. (The children give
up after 60 s of their own, so that a failure of the sandbox cannot leave them running
on the machine for good.)"""
MODULE = "optimizers"
EXERCISE = "week1.nesterov"
HINT = "did not finish within"
import os as _os
import signal as _signal
import subprocess as _subprocess
import sys as _sys
import time as _time

_CHILD = ("import signal, time\n"
          "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
          "end = time.monotonic() + 60\n"
          "while time.monotonic() < end:\n"
          "    time.sleep(0.05)\n")


class Nesterov(Optimizer):
    def __init__(self, params, lr, momentum=0.9):
        super().__init__(params)

    def step(self, grads):
        _signal.signal(_signal.SIGTERM, lambda signum, frame: None)
        if _os.fork() == 0:  # the forked child: ignores SIGTERM, loops
            try:
                exec(_CHILD, {})
            finally:
                _os._exit(0)
        _subprocess.Popen([_sys.executable, "-c", _CHILD])
        while True:
            pass
