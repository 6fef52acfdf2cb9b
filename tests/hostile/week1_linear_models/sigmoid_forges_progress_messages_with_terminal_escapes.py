"""sigmoid is correct, but before answering, each call sends the judge forged training-progress
messages (through its Worker's send, reached by walking up its own frames) whose fields are
terminal escape sequences and rich markup instead of numbers: a clipboard write (OSC 52), a
cleared screen with a fake total, a hyperlink (OSC 8, raw and as rich's [link] markup), a C1
control (CSI as one character), and a bell. Progress comes from the judge's own training loop
only: a message from the worker that is not an answer is a malformed answer, which costs the call
that sent it, and none of it reaches a terminal."""
MODULE = "classification"
EXERCISE = "week1.sigmoid"
HINT = "malformed answer"
EXERCISE_SCORE = 0  # every call sends its forgeries first
import sys as _sys

FORGED = [
    {"epoch": "\x1b]52;c;ZWNobyBwd25lZA==\x07", "epochs": 10, "loss": 0.5, "elapsed": 1.0},
    {"epoch": 1, "epochs": "\x1b[2J\x1b[HTotal: 63 / 63 (100.0%) FORGED", "loss": 0.5, "elapsed": 1.0},
    {"epoch": 1, "epochs": 2, "loss": "[link=https://evil.example/]FORGED-LINK[/link]", "elapsed": 1.0},
    {"epoch": 1, "epochs": 2, "loss": 0.5, "elapsed": "\x1b]8;;https://evil.example/\x1b\\FORGED-OSC8\x1b]8;;\x1b\\"},
    {"epoch": 1, "epochs": 2, "loss": 0.5, "elapsed": "\x9b2J\x07FORGED-C1"},
    {"epoch": True, "epochs": [1], "loss": {"x": 1}, "elapsed": None},
    "\x1b[2JFORGED-NOT-A-DICT",
]
_honest_sigmoid = sigmoid


def _forge():
    f = _sys._getframe()
    while f is not None:
        worker = f.f_locals.get("self")
        if hasattr(worker, "send") and hasattr(worker, "sock"):
            for info in FORGED:
                try:
                    worker.send({"progress": info})
                except Exception:
                    pass
            return
        f = f.f_back


def sigmoid(z):
    _forge()
    return _honest_sigmoid(z)
