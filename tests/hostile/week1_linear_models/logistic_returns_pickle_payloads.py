"""logistic_loss returns an object whose __reduce__ (and __setstate__) would run a shell
command when unpickled, together with that object pickled (bytes) and in a NumPy object
array; logistic_grad returns the pickled bytes. The wire never unpickles: the object
and the object array stay in the worker as handles, the bytes arrive as bytes, the
checks fail, and the command (touch a marker file) never runs in the judge."""
MODULE = "classification"
EXERCISE = "week1.logistic"
HINT = ("should be an array of numbers", "could not be read", "should be a single number")
import os as _os
import pickle as _pickle

_MARKER = "/tmp/dlgrade-hostile-unpickled-marker"


class _Payload:
    def __reduce__(self):
        return (_os.system, (f"touch {_MARKER}",))

    def __setstate__(self, state):
        _os.system(f"touch {_MARKER}")


def logistic_loss(w, X, y):
    return [_Payload(), _pickle.dumps(_Payload()), np.array([_Payload()], dtype=object)]


def logistic_grad(w, X, y):
    return _pickle.dumps(_Payload())
