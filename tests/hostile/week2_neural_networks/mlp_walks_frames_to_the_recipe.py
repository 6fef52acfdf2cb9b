"""A network that cannot learn (parameters() hands out copies, so no update reaches it), whose
forward walks the frames of its callers and every object in memory: it multiplies any learning
rate it finds by 1000, and keeps the training inputs and labels it finds to answer by nearest
neighbour later, in memory and in /tmp. The recipe is the judge's, and evaluation happens in a
fresh process that gets only the trained parameters: it scores what the network that cannot learn
scores."""
MODULE = "mlp"
EXERCISE = "week2.train_mlp"
HINT = "below the threshold"
CHEAT = True

import gc as _gc  # noqa: E402

import numpy as np  # noqa: E402
import os as _os  # noqa: E402
import sys as _sys  # noqa: E402

_MEMORY = {"X": None, "y": None}


def _grab():
    frame = _sys._getframe(1)
    while frame is not None:
        for name, value in list(frame.f_locals.items()):
            if isinstance(value, dict):
                for key in ("lr", "learning_rate"):
                    if isinstance(value.get(key), float):
                        value[key] *= 1000.0
                if isinstance(value.get("recipe"), dict) and isinstance(value["recipe"].get("lr"), float):
                    value["recipe"]["lr"] *= 1000.0
            if name in ("X", "y", "targets") and hasattr(value, "shape"):
                _MEMORY["y" if name != "X" else "X"] = np.asarray(value)
        frame = frame.f_back
    for obj in _gc.get_objects():
        if isinstance(obj, dict) and isinstance(obj.get("lr"), float):
            obj["lr"] *= 1000.0
    if _MEMORY["X"] is not None and _MEMORY["y"] is not None and len(_MEMORY["X"]) == len(_MEMORY["y"]):
        np.savez("/tmp/stolen.npz", X=_MEMORY["X"], y=_MEMORY["y"])


def _recall(x):
    X, y = _MEMORY["X"], _MEMORY["y"]
    if X is None and _os.path.exists("/tmp/stolen.npz"):
        saved = np.load("/tmp/stolen.npz")
        X, y = saved["X"], saved["y"]
    if X is None or y is None or len(X) != len(y) or X.shape[1:] != x.shape[1:]:
        return None
    near = ((x[:, None, :] - X[None]) ** 2).sum(-1).argmin(1)
    return np.eye(10)[y[near].astype(int)] * 50.0


class _Frozen(Sequential):
    def parameters(self):
        return [p.copy() for p in super().parameters()]

    def forward(self, x):
        out = super().forward(x)
        if CHEAT:
            _grab()
            recalled = _recall(np.asarray(x))
            if recalled is not None and recalled.shape == out.shape:
                return recalled
        return out


def build_mlp(in_features, hidden, out_features, rng):
    sizes = [in_features, *hidden, out_features]
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, rng))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return _Frozen(*layers)
