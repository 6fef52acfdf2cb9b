"""ridge answers the public check's call (lam = 3) by writing its own message to the judge: a
frame announcing 250 MB of JSON, an array of 83 million empty lists, streamed in small chunks
(the worker never holds it). Parsed, that took the judge 7 GB and 3 minutes. The judge must
refuse it from its header, at once and without reading it: the call is a bad result (that one
check fails, saying why), the worker is replaced, and ridge's other checks pass."""
MODULE = "regression"
EXERCISE = "week1.ridge"
HINT = "over the limit of"
EXERCISE_SCORE = 2  # of 3: the public check (1 point) gets the frame instead of an answer
import struct as _struct
import sys as _sys

_honest_ridge = ridge


def _flood(megabytes=250):
    f = _sys._getframe()
    while f is not None:
        worker = f.f_locals.get("self")
        if hasattr(worker, "send") and hasattr(worker, "sock"):
            break
        f = f.f_back
    sock = worker.sock
    lists = ((megabytes << 20) - 4) // 3
    doc_len = 3 * lists + 4  # "[" + "[]," * lists + "[]]"
    sock.sendall(_struct.pack("<QQQ", 16 + doc_len, doc_len, 0) + b"[")
    chunk = b"[]," * (1 << 16)
    for _ in range(lists >> 16):
        sock.sendall(chunk)
    sock.sendall(b"[]," * (lists & 0xFFFF) + b"[]]")


def ridge(X, y, lam):
    if lam == 3.0:
        _flood()
    return _honest_ridge(X, y, lam)
