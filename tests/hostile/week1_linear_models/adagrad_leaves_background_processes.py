"""AdaGrad.step is correct, but its first call in a process leaves two processes behind
in sessions of their own, which ignore SIGTERM: a subprocess started with
start_new_session=True and a double fork with os.setsid. The exercise keeps full marks;
the point is that no process outlives grading. (They give up after 60 s of their own,
so that a failure of the sandbox cannot leave them on the machine for good.)"""
MODULE = "optimizers"
EXERCISE = "week1.adagrad"
HINT = ""
EXERCISE_SCORE = None  # full marks: the answers are right
NEEDS_BUBBLEWRAP = ("without bubblewrap a process in a new session leaves the worker's process group, and "
                    "nothing kills it (only a PID namespace catches it)")
import os as _os
import signal as _signal
import subprocess as _subprocess
import sys as _sys
import time as _time

_LINGER = ("import signal, time\n"
           "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
           "end = time.monotonic() + 60\n"
           "while time.monotonic() < end:\n"
           "    time.sleep(0.05)\n")
_left_behind = False


def _leave_processes_behind():
    _subprocess.Popen([_sys.executable, "-c", _LINGER], start_new_session=True, stdin=_subprocess.DEVNULL,
                      stdout=_subprocess.DEVNULL, stderr=_subprocess.DEVNULL)
    pid = _os.fork()
    if pid == 0:  # first child: a new session, then fork again and exit, so the grandchild is orphaned
        try:
            _os.setsid()
            if _os.fork() == 0:
                exec(_LINGER, {})
        finally:
            _os._exit(0)
    _os.waitpid(pid, 0)


_honest_adagrad = AdaGrad


class AdaGrad(_honest_adagrad):
    def step(self, grads):
        global _left_behind
        if not _left_behind:
            _left_behind = True
            _leave_processes_behind()
        return super().step(grads)
