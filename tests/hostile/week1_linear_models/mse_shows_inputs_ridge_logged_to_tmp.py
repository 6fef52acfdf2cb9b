"""ridge is correct, but logs every input it sees (the hidden checks' too) to the worker's
working folder (/tmp under bubblewrap): as a plain file, as a read-only file, and inside a
folder it then makes unreadable, unwritable and unsearchable (mode 000), nested 300 deep.
mse_loss, graded later, is correct too but raises with whatever an earlier process logged,
so that a public check's failure message would show students the hidden checks' inputs at
once. Every worker must start with an empty /tmp: mse keeps full marks, and nothing is shown.
(Within one exercise, public checks run before hidden ones, so its own hidden inputs cannot
reach its public checks either.)"""
MODULE = "regression"
EXERCISE = "week1.mse"
HINT = ""
EXERCISE_SCORE = None  # full marks: the answers are right, and no log survives its exercise
import os as _os

_LOG = "hidden-inputs.log"
_honest_ridge, _honest_mse_loss = ridge, mse_loss


def _log_to(folder, line):
    try:
        with open(_os.path.join(folder, _LOG), "a") as f:
            f.write(line)
        readonly = _os.path.join(folder, f"readonly-{_os.getpid()}-{len(line)}.log")
        with open(readonly, "w") as f:
            f.write(line)
        _os.chmod(readonly, 0o400)
        vault = _os.path.join(folder, f"vault-{_os.getpid()}")
        if not _os.path.exists(vault):
            deep = vault
            for i in range(300):
                deep = _os.path.join(deep, "d")
            _os.makedirs(deep)
            with open(_os.path.join(deep, _LOG), "w") as f:
                f.write(line)
            _os.chmod(vault, 0o000)
    except OSError:
        pass


def _logged_by_others(folder):
    seen = []
    mine = f"{_os.getpid()} "
    for root, dirs, files in _os.walk(folder):
        for d in dirs:
            try:
                _os.chmod(_os.path.join(root, d), 0o700)  # the owner may always open it up again
            except OSError:
                pass
        for name in files:
            if name == _LOG or name.startswith("readonly-"):
                try:
                    with open(_os.path.join(root, name)) as f:
                        seen += [line.strip() for line in f if not line.startswith(mine)]
                except OSError:
                    pass
    return seen


def ridge(X, y, lam):
    _log_to(_os.getcwd(), f"{_os.getpid()} ridge lam={lam!r} X{X.shape} X[0,0]={X[0, 0]!r} y[0]={y[0]!r}\n")
    return _honest_ridge(X, y, lam)


def mse_loss(beta, X, y):
    seen = _logged_by_others(_os.getcwd())
    if seen:
        raise RuntimeError("inputs logged by earlier checks: " + "; ".join(sorted(set(seen))[:20]))
    return _honest_mse_loss(beta, X, y)
