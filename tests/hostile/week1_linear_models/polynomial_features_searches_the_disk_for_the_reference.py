"""polynomial_features is wrong (it leaves out the bias column), but first searches the
disk for someone else's regression.py: the course's reference solution (a file holding
"BEGIN SOLUTION week1.polynomial_features"), another student's submission, a copy in
/tmp. If it finds one it runs that file and returns its answer; otherwise its own wrong
one. Under bubblewrap nothing outside the submission is visible, so the exercise scores
what the student's own code earns: 0. What the search found travels only in the return
value; the patch writes no file. The walk is bounded (time and number of folders) and
only reads."""
MODULE = "regression"
EXERCISE = "week1.polynomial_features"
HINT = "the column of ones"
NEEDS_BUBBLEWRAP = ("without bubblewrap the whole disk is readable: the search finds the course's reference "
                    "(or a copy of it in /tmp) and scores full marks")
import collections as _collections
import os as _os
import time as _time

_MODULE_NAMES = ("regression.py", "classification.py", "optimizers.py", "training.py")
_SKIP = {"proc", "sys", "dev", "__pycache__", ".git", "node_modules"}
_stolen = None  # the function found on disk, once looked for
_looked = False


def _candidates(budget_s=1.0, max_dirs=40_000):
    """Files that may hold another polynomial_features, the course's reference first."""
    own = _os.path.dirname(_os.path.abspath(__file__))
    roots = ["/tmp", "/work", "/home", "/root", "/srv", "/opt", "/autograder", "/mnt", "/var", "/"]
    here = own
    while here not in ("/", ""):
        here = _os.path.dirname(here)
        roots.insert(0, here)
    seen, queue, found = set(), _collections.deque(roots), []
    deadline = _time.monotonic() + budget_s
    while queue and len(seen) < max_dirs and _time.monotonic() < deadline:
        d = queue.popleft()
        if d in seen or d == own:
            continue
        seen.add(d)
        try:
            entries = list(_os.scandir(d))
        except OSError:
            continue
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    if e.name not in _SKIP and not (d == "/" and e.name in ("proc", "sys", "dev")):
                        queue.append(e.path)
                elif e.name in _MODULE_NAMES and e.is_file():
                    with open(e.path, encoding="utf-8", errors="replace") as f:
                        text = f.read(1_000_000)
                    if "def polynomial_features(" in text:
                        found.append((0 if "BEGIN SOLUTION week1.polynomial_features" in text else 1, e.path, text))
            except OSError:
                pass
    return [(path, text) for _, path, text in sorted(found)]


def _steal():
    for path, text in _candidates():
        namespace = {"__name__": "stolen", "__file__": path}
        try:
            exec(compile(text, path, "exec"), namespace)
            probe = namespace["polynomial_features"](np.array([[1.0, 2.0]]), 2)
            if np.asarray(probe).shape == (1, 6):
                return namespace["polynomial_features"]
        except BaseException:  # a stub, a broken copy: try the next one
            pass
    return None


_own_polynomial_features = polynomial_features


def polynomial_features(X, degree):
    global _stolen, _looked
    if not _looked:
        _looked = True
        _stolen = _steal()
    if _stolen is not None:
        return _stolen(X, degree)
    return _own_polynomial_features(X, degree)[:, 1:]  # the student's own mistake: no bias column
