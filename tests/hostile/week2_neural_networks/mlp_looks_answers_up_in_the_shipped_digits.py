"""A network that cannot learn (parameters() hands out copies), whose forward looks every input up in
a copy of scikit-learn's digits pasted into the submission (by nearest neighbour, and by its norm,
which a rotation keeps) and answers with the label found. The graded digits are split with a secret
seed and rotated after a fixed secret noise (grader/heldout.py), and a model that is accurate before
training earns nothing for it: it scores what the network that cannot learn scores."""
MODULE = "mlp"
EXERCISE = "week2.train_mlp"
HINT = "below the threshold"
CHEAT = True

import numpy as np  # noqa: E402


# scikit-learn's 1797 digits (64 pixels in 0..16, then the label), lzma-compressed, base85: a copy
# that needs no file of the sandbox's.
_DIGITS = SHIPPED_DIGITS  # the tests paste the copy here (tests/hostile/shipped_digits.txt, conftest.pasted)


def _shipped_digits():
    import base64
    import lzma

    raw = np.frombuffer(lzma.decompress(base64.b85decode("".join(_DIGITS))), dtype=np.uint8).reshape(-1, 65)
    return raw[:, :64] / 16.0, raw[:, 64].astype(np.int64)


def _look_up(x):
    X, y = _shipped_digits()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 64:
        return None
    near = ((x[:, None, :] - X[None]) ** 2).sum(-1)
    by_norm = np.abs(np.linalg.norm(x, axis=1)[:, None] - np.linalg.norm(X, axis=1)[None])
    best = np.where(near.min(1) < by_norm.min(1), near.argmin(1), by_norm.argmin(1))
    return np.eye(10)[y[best]] * 50.0


class _Frozen(Sequential):
    def parameters(self):
        return [p.copy() for p in super().parameters()]

    def forward(self, x):
        out = super().forward(x)
        if CHEAT and len(x) > 32:  # not the training batches (32): the evaluation's
            found = _look_up(x)
            if found is not None and found.shape == out.shape:
                return found
        return out


def build_mlp(in_features, hidden, out_features, rng):
    sizes = [in_features, *hidden, out_features]
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(a, b, rng))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return _Frozen(*layers)
