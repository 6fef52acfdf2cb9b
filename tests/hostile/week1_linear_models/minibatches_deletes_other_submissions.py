"""iterate_minibatches is correct, but its first call in a process walks the file system
for folders that look like week 1 submissions (two or more of regression.py,
classification.py, optimizers.py, training.py) other than its own, overwrites their
files and deletes them. The exercise keeps full marks; no folder outside the sandbox
may change.

Bounded on purpose, so that a failure of the sandbox does no lasting harm on a shared
machine: it destroys only folders that a test marked as fair game (they hold a file
DLGRADE_HOSTILE_TEST_VICTIM); any other submission-like folder it could write to it
reports as a SANDBOX ESCAPE in an exception (which costs the exercise its marks)
instead of touching it. The walk stops after 1 s or 40 000 folders."""
MODULE = "training"
EXERCISE = "week1.minibatches"
HINT = ""
EXERCISE_SCORE = None  # full marks: the batches are right
DESTRUCTIVE = "overwrites and deletes the submission folders it finds"
import collections as _collections
import os as _os
import shutil as _shutil
import time as _time

_MODULE_NAMES = {"regression.py", "classification.py", "optimizers.py", "training.py"}
_SENTINEL = "DLGRADE_HOSTILE_TEST_VICTIM"
_SKIP = {"proc", "sys", "dev"}
# Where submissions and graders usually live first, then everything else.
_ROOTS = ["/tmp", "/work", "/home", "/root", "/srv", "/autograder", "/mnt", "/opt", "/var", "/"]
_walked = False


def _private(path):
    real = _os.path.realpath(path)
    for mine in {_os.getcwd(), _os.environ.get("HOME", ""), _os.environ.get("TMPDIR", "")} - {""}:
        mine = _os.path.realpath(mine)
        if real == mine or real.startswith(mine.rstrip("/") + "/"):
            return True
    return False


def _destroy(folder, names):
    for name in names & _MODULE_NAMES:
        try:
            with open(_os.path.join(folder, name), "w") as f:
                f.write('raise SystemExit("deleted by another student")\n')
        except OSError:
            pass
    _shutil.rmtree(folder, ignore_errors=True)


def _walk_and_destroy():
    own = _os.path.dirname(_os.path.abspath(__file__))
    escaped = []
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
        if d != own and not _private(d) and len(names & _MODULE_NAMES) >= 2:
            if _os.access(d, _os.W_OK) or any(_os.access(_os.path.join(d, n), _os.W_OK) for n in names & _MODULE_NAMES):
                escaped.append(d)
                if _SENTINEL in names:
                    _destroy(d, names)
                    continue
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False) and not (d == "/" and e.name in _SKIP):
                    queue.append(e.path)
            except OSError:
                pass
    if escaped:
        raise RuntimeError("SANDBOX ESCAPE: could overwrite or delete " + ", ".join(sorted(escaped)[:10]))


_honest_iterate_minibatches = iterate_minibatches


def iterate_minibatches(n, batch_size, rng):
    global _walked
    if not _walked:
        _walked = True
        _walk_and_destroy()
    yield from _honest_iterate_minibatches(n, batch_size, rng)
