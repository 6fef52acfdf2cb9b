"""As mse_shows_inputs_ridge_logged_to_tmp, through /dev/shm: under bubblewrap the sandbox's
other writable folder (a small tmpfs of its own), which must be emptied for every worker too.
ridge logs the inputs it sees there; mse_loss, graded later, raises with what an earlier
process logged. mse must keep full marks."""
MODULE = "regression"
EXERCISE = "week1.mse"
HINT = ""
EXERCISE_SCORE = None  # full marks: the answers are right, and no log survives its exercise
DESTRUCTIVE = "writes a log into /dev/shm, which without bubblewrap is the host's"
import os as _os

_SHM = "/dev/shm"
_LOG = "dlgrade-hostile-hidden-inputs.log"
_honest_ridge, _honest_mse_loss = ridge, mse_loss


def ridge(X, y, lam):
    try:
        with open(_os.path.join(_SHM, _LOG), "a") as f:
            f.write(f"{_os.getpid()} ridge lam={lam!r} X{X.shape} X[0,0]={X[0, 0]!r}\n")
    except OSError:
        pass
    return _honest_ridge(X, y, lam)


def mse_loss(beta, X, y):
    mine = f"{_os.getpid()} "
    try:
        with open(_os.path.join(_SHM, _LOG)) as f:
            seen = [line.strip() for line in f if not line.startswith(mine)]
    except OSError:
        seen = []
    if seen:
        raise RuntimeError("inputs logged by earlier checks: " + "; ".join(sorted(set(seen))[:20]))
    return _honest_mse_loss(beta, X, y)
