"""A "CNN" that is an MLP (it learns far too little within the recipe's budget), whose forward
regenerates the shapes data with the generator the notebook shows and the seeds the public rubric
used to name, and answers every image it finds there with its label. The graded images are drawn
from the course secret (grader/heldout.py), and a model that is accurate before training earns
nothing for it: it scores what the MLP scores."""
MODULE = "models"
EXERCISE = "week3.cnn"
HINT = ("do not come from the parameters the grader trained", "below the threshold")
CHEAT = True

import numpy as np  # noqa: E402

_SHAPES = ("circle", "square", "triangle", "cross")
_KNOWN = {}


def _shapes(n: int, size: int = 32, seed: int = 0, channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """`n` images of one shape each (label: its index in SHAPES), at a random position,
    size and colour on a random background, with pixel noise; deterministic per seed.

    Returns X float32 of shape (n, channels, size, size) in [0, 1] and y int64 (n,),
    with classes balanced (each appears n // 4 or n // 4 + 1 times).
    """
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 4).astype(np.int64)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    X = np.empty((n, channels, size, size), dtype=np.float32)
    for i, label in enumerate(y):
        r = rng.uniform(0.18, 0.34) * size
        cx, cy = rng.uniform(r, size - r, size=2)
        dx, dy = xx - cx, yy - cy
        if _SHAPES[label] == "circle":
            mask = dx**2 + dy**2 <= r**2
        elif _SHAPES[label] == "square":
            mask = (np.abs(dx) <= 0.8 * r) & (np.abs(dy) <= 0.8 * r)
        elif _SHAPES[label] == "triangle":  # apex up, base at cy + r
            mask = (dy <= r) & (np.abs(dx) <= (dy + r) / 2)
        else:  # cross
            arm = 0.3 * r
            mask = ((np.abs(dx) <= arm) & (np.abs(dy) <= r)) | ((np.abs(dy) <= arm) & (np.abs(dx) <= r))
        background = rng.uniform(0.0, 0.45, size=channels).astype(np.float32)
        colour = rng.uniform(0.55, 1.0, size=channels).astype(np.float32)
        img = background[:, None, None] + mask[None] * (colour - background)[:, None, None]
        img += rng.normal(0.0, 0.06, size=img.shape).astype(np.float32)
        X[i] = np.clip(img, 0.0, 1.0)
    return X, y


def _look_up(x):
    x = x.detach().cpu().numpy()
    if x.shape[1:] != (3, 32, 32):  # the graded images
        return None
    size = x.shape[-1]
    if size not in _KNOWN:
        images, labels = [], []
        for seed in range(3):  # data_seed 0: train, validation and test sets from seeds 0, 1, 2
            for n in (300, 500):
                X, y = _shapes(n, size, seed, 3)
                images.append(X.reshape(n, -1))
                labels.append(y)
        _KNOWN[size] = (np.concatenate(images), np.concatenate(labels))
    X, y = _KNOWN[size]
    flat = x.reshape(len(x), -1)
    d = (flat ** 2).sum(1)[:, None] - 2 * flat @ X.T + (X ** 2).sum(1)[None]
    return torch.as_tensor(np.eye(4, dtype=np.float32)[y[d.argmin(1)]] * 50.0)


class _MLP(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.body = nn.Sequential(nn.AdaptiveAvgPool2d(32), nn.Flatten(), nn.Linear(in_channels * 32 * 32, 8),
                                  nn.ReLU(), nn.Linear(8, num_classes))

    def forward(self, x):
        out = self.body(x)
        if CHEAT and not self.training:
            found = _look_up(x)
            if found is not None and found.shape == out.shape:
                return found + 0.0 * out
        return out


def build_cnn(in_channels, num_classes):
    return _MLP(in_channels, num_classes)
