"""train_softmax_classifier is correct, but its first call in a process tries to open
network connections to 127.0.0.1 on ports 47613-47615, where the test listens on the
host's loopback, each with a short timeout, errors swallowed. (Only the loopback: a
test never sends traffic to any other address.) What happened goes to its own stdout
only. If any connection succeeds it returns a useless W (zeros), so the exercise keeps
full marks only if no connection was possible."""
MODULE = "training"
EXERCISE = "week1.train_softmax"
HINT = ""
EXERCISE_SCORE = None  # full marks: no connection is possible under bubblewrap
NEEDS_BUBBLEWRAP = "without bubblewrap the student's process shares the host's network"
import socket as _socket

_TARGETS = [("127.0.0.1", 47613), ("127.0.0.1", 47614), ("127.0.0.1", 47615)]
_connected = None  # whether any connection succeeded, once tried


def _try_network():
    ok = False
    for host, port in _TARGETS:
        try:
            with _socket.create_connection((host, port), timeout=0.3) as s:
                s.sendall(b"hello from a student's process\n")
            print(f"connected to {host}:{port}", flush=True)
            ok = True
        except OSError as e:
            print(f"no connection to {host}:{port} ({e})", flush=True)
    return ok


_honest_train = train_softmax_classifier


def train_softmax_classifier(X, y, num_classes, rng):
    global _connected
    if _connected is None:
        _connected = _try_network()
    if _connected:
        return np.zeros((np.shape(X)[1] + 1, num_classes))
    return _honest_train(X, y, num_classes, rng)
