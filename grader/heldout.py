"""Held-out data the student's code cannot reconstruct.

Every data set a trained exercise is judged on is drawn from the instructor's *course
secret*, never from a seed that ships with the public checks:

* generated data (week 3's shapes) comes from seeds derived from the secret; so does week 5's
  text source, the Markov chain itself as well as the text drawn from it;
* the digits, which scikit-learn ships to everyone (and which a student could paste into a
  submission), are split with a secret seed and passed through a secret fixed transform,
  applied to the training and the held-out inputs alike: a random rotation of the 64 pixel
  values, after adding a fixed Gaussian noise of standard deviation `DIGITS_NOISE`. A model
  trained on what it is given learns the same thing in rotated coordinates (gradient descent
  from an isotropic or zero initialisation is rotation-equivariant), so the rotation costs an
  honest model nothing; the noise keeps the rotation from being undone by matching the norms
  and inner products of the shipped images. What the noise costs is measured in the weeks'
  rubrics. A copy of the shipped digits is then useless for looking held-out answers up.

The secret is ``$DLGRADE_SECRET`` when set (a cluster's workers must share it), else the
contents of ``$DLGRADE_SECRET_FILE`` or ``~/.config/dlgrade/secret`` (``$XDG_CONFIG_HOME``),
created with 32 random bytes, readable by its owner only, the first time it is needed. A
student running the public checks on their own machine gets a secret of their own, so the
checks work the same there; only the instructor's machines know the instructor's. Grading
with another secret gives other held-out sets: keep the file when results must be
reproducible, and give every grading host the same one.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np

from . import datasets as _data

DIGITS_NOISE = 0.05  # standard deviation of the fixed noise added to the digits' pixels (in [0, 1])


def secret_path() -> Path:
    """Where the course secret is kept when ``$DLGRADE_SECRET`` is not set."""
    if os.environ.get("DLGRADE_SECRET_FILE"):
        return Path(os.environ["DLGRADE_SECRET_FILE"])
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "dlgrade" / "secret"


def course_secret() -> bytes:
    """The instructor's secret (see the module's docstring), created on first use."""
    if os.environ.get("DLGRADE_SECRET"):
        return os.environ["DLGRADE_SECRET"].encode()
    path = secret_path()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_hex(32).encode()
    try:  # O_EXCL: two graders starting at once agree on the first one's secret
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(value + b"\n")
    return value


def secret_seed(purpose: str) -> int:
    """A 63-bit seed for `purpose` ("week3.shapes.test"), derived from the course secret."""
    digest = hmac.new(course_secret(), purpose.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def random_rotation(dim: int, rng: np.random.Generator) -> np.ndarray:
    """A rotation (orthogonal matrix) drawn uniformly (Haar measure) from `rng`."""
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


@functools.lru_cache(maxsize=4)
def _digits(seed: int, noise: float) -> dict[str, np.ndarray]:
    X, y = _data._shipped_digits()
    X = X / 16.0
    rng = np.random.default_rng(seed)
    train, val, test = _data.stratified_split(y, (0.6, 0.2, 0.2), int(rng.integers(2**62)))
    X = (X + rng.normal(0.0, noise, size=X.shape)) @ random_rotation(X.shape[1], rng)
    out = dict(X_train=X[train], y_train=y[train], X_val=X[val], y_val=y[val], X_test=X[test], y_test=y[test])
    for v in out.values():
        v.setflags(write=False)
    return out


def digits(noise: float = DIGITS_NOISE) -> dict[str, np.ndarray]:
    """The digits for grading: a 60/20/20 stratified split of scikit-learn's 1797 images (pixels
    scaled to [0, 1]), drawn with a secret seed, every image passed through the secret fixed
    transform (noise, then rotation; see the module's docstring). Same keys, shapes and dtypes
    as `grader.datasets.digits`; read-only."""
    return _digits(secret_seed("digits"), float(noise))


def shapes(n: int, size: int, purpose: str, channels: int = 3, **ranges) -> tuple[np.ndarray, np.ndarray]:
    """`grader.datasets.shapes` drawn from the secret seed for `purpose` ("week3.shapes.test");
    `ranges`: its `background` and `foreground` value ranges."""
    return _shapes(n, size, secret_seed(purpose), channels, *((k, tuple(v)) for k, v in sorted(ranges.items())))


@functools.lru_cache(maxsize=8)
def _shapes(n: int, size: int, seed: int, channels: int, *ranges) -> tuple[np.ndarray, np.ndarray]:
    X, y = _data.shapes(n, size, seed, channels, **dict(ranges))
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def markov_text(purpose: str, **kwargs) -> _data.MarkovText:
    """`grader.datasets.markov_text` of the secret seed for `purpose` ("week5.text"): the chain
    itself is secret, not only the text drawn from it (draw sequences with ``secret_seed(purpose
    + ".test")`` and the like); `kwargs`: its vocab_size, order and concentration."""
    return _data.markov_text(secret_seed(purpose), **kwargs)


def shipped_data_dirs() -> list[Path]:
    """Folders of data sets that installed libraries ship (scikit-learn's digits among them),
    found without importing the libraries: the sandbox hides them from student code."""
    import importlib.util

    found = []
    for package, sub in (("sklearn", ("datasets/data", "datasets/descr", "datasets/images")),):
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        for root in (spec.submodule_search_locations or []) if spec else []:
            found += [Path(root) / s for s in sub if (Path(root) / s).is_dir()]
    return found


__all__ = ["course_secret", "secret_seed", "digits", "shapes", "markov_text", "random_rotation", "shipped_data_dirs", "DIGITS_NOISE"]
