"""Data sets the grader trains and evaluates on: generated or shipped by a package,
never downloaded while grading."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np


def _shipped_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits that scikit-learn ships (``sklearn/datasets/data/digits.csv.gz``),
    read without importing scikit-learn (whose import alone takes most of a second)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-learn is not installed; it ships the digits data set")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    data = np.loadtxt(path, delimiter=",")
    return data[:, :-1], data[:, -1].astype(np.int64)


def stratified_split(y: np.ndarray, fractions: tuple[float, ...], seed: int) -> list[np.ndarray]:
    """Index arrays splitting `y` into parts of the given fractions, each class spread
    over the parts in proportion; deterministic per seed."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    bounds = np.cumsum(fractions)[:-1]
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        cuts = np.round(bounds * len(idx)).astype(int)
        for part, chunk in zip(parts, np.split(idx, cuts)):
            part.append(chunk)
    return [np.sort(np.concatenate(p)) for p in parts]


@functools.lru_cache(maxsize=4)
def digits(seed: int = 0) -> dict[str, np.ndarray]:
    """scikit-learn's bundled 8×8 digits, pixels scaled to [0, 1], in a fixed
    stratified split: 60% train, 20% validation, 20% test.

    Returns read-only arrays ``X_train, y_train, X_val, y_val, X_test, y_test``
    (X float64 of shape (N, 64), y int64 of shape (N,)). The same seed gives the
    same split on every machine.
    """
    X, y = _shipped_digits()
    X = X / 16.0
    train, val, test = stratified_split(y, (0.6, 0.2, 0.2), seed)
    out = dict(X_train=X[train], y_train=y[train], X_val=X[val], y_val=y[val], X_test=X[test], y_test=y[test])
    for v in out.values():
        v.setflags(write=False)
    return out


# ---------------------------------------------------------------------------
# Shapes: procedurally generated colour images, one shape each.

SHAPES = ("circle", "square", "triangle", "cross")


def shapes(n: int, size: int = 32, seed: int = 0, channels: int = 3, background: tuple = (0.0, 0.45),
           foreground: tuple = (0.55, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """`n` images of one shape each (label: its index in SHAPES), at a random position,
    size and colour on a random background, with pixel noise; deterministic per seed.
    Each channel's background and shape values are drawn uniformly from the `background`
    and `foreground` ranges (the ranges change the values, not the random stream).

    Returns X float32 of shape (n, channels, size, size) in [0, 1] and y int64 (n,),
    with classes balanced (each appears n // 4 or n // 4 + 1 times).
    """
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % len(SHAPES)).astype(np.int64)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    X = np.empty((n, channels, size, size), dtype=np.float32)
    for i, label in enumerate(y):
        r = rng.uniform(0.18, 0.34) * size
        cx, cy = rng.uniform(r, size - r, size=2)
        dx, dy = xx - cx, yy - cy
        if SHAPES[label] == "circle":
            mask = dx**2 + dy**2 <= r**2
        elif SHAPES[label] == "square":
            mask = (np.abs(dx) <= 0.8 * r) & (np.abs(dy) <= 0.8 * r)
        elif SHAPES[label] == "triangle":  # apex up, base at cy + r
            mask = (dy <= r) & (np.abs(dx) <= (dy + r) / 2)
        else:  # cross
            arm = 0.3 * r
            mask = ((np.abs(dx) <= arm) & (np.abs(dy) <= r)) | ((np.abs(dy) <= arm) & (np.abs(dx) <= r))
        back = rng.uniform(*background, size=channels).astype(np.float32)
        colour = rng.uniform(*foreground, size=channels).astype(np.float32)
        img = back[:, None, None] + mask[None] * (colour - back)[:, None, None]
        img += rng.normal(0.0, 0.06, size=img.shape).astype(np.float32)
        X[i] = np.clip(img, 0.0, 1.0)
    return X, y


@functools.lru_cache(maxsize=8)
def shapes_split(n_train: int = 2000, n_val: int = 500, n_test: int = 500, size: int = 32, seed: int = 0,
                 channels: int = 3) -> dict[str, np.ndarray]:
    """Train, validation and test sets of `shapes`, each from its own seed."""
    out = {}
    for k, (part, n) in enumerate((("train", n_train), ("val", n_val), ("test", n_test))):
        X, y = shapes(n, size, seed * 3 + k, channels)
        X.setflags(write=False)
        y.setflags(write=False)
        out[f"X_{part}"], out[f"y_{part}"] = X, y
    return out


# ---------------------------------------------------------------------------
# Text source: a k-th order Markov chain over a small alphabet, its entropy rate known exactly.

TEXT_ALPHABET = "abcdefgh"


class MarkovText:
    """A k-th order Markov chain over ``len(alphabet)`` characters: the next character's
    distribution is ``table[context]``, where the context is the last `order` ids read as a
    number in base V (the oldest the most significant digit). Every row is drawn from a
    symmetric Dirichlet distribution of parameter `concentration` (small: peaked rows), so
    the next character depends strongly on each of the last `order` ones.

    The chain's stationary distribution over contexts is computed exactly (the left eigenvector
    of eigenvalue 1 of the V^order × V^order transition matrix, by a linear solve), and with it
    the entropy rate H (bits per character): the expected cross-entropy of the best possible
    model, the true one, on text drawn from the chain. `conditional_entropy(j)` is the best a model that sees only
    the last j characters can do (j = 1: a bigram model). Sequences start in the stationary
    distribution, so every position of every sequence is distributed alike.
    """

    def __init__(self, seed: int, vocab_size: int = 8, order: int = 3, concentration: float = 0.3):
        if not 2 <= vocab_size <= len(TEXT_ALPHABET) or order < 1:
            raise ValueError(f"vocab_size must be 2..{len(TEXT_ALPHABET)} and order ≥ 1")
        rng = np.random.default_rng(seed)
        self.vocab_size, self.order = vocab_size, order
        self.alphabet = TEXT_ALPHABET[:vocab_size]
        self.table = rng.dirichlet(np.full(vocab_size, concentration), size=vocab_size**order)
        self.table.setflags(write=False)
        self.stationary = self._stationary()

    @property
    def contexts(self) -> int:
        return self.vocab_size**self.order

    def _next_context(self) -> np.ndarray:
        """next[c, x]: the context after reading x in context c."""
        return (np.arange(self.contexts)[:, None] * self.vocab_size + np.arange(self.vocab_size)) % self.contexts

    def _stationary(self) -> np.ndarray:
        S = self.contexts
        M = np.zeros((S, S))
        np.add.at(M, (np.repeat(np.arange(S), self.vocab_size), self._next_context().ravel()), self.table.ravel())
        # π(M − I) = 0 with Σπ = 1: the chain is irreducible (every transition has positive
        # probability), so one equation of the singular system, replaced by the sum, fixes π.
        A = (M - np.eye(S)).T
        A[-1] = 1.0
        rhs = np.zeros(S)
        rhs[-1] = 1.0
        pi = np.linalg.solve(A, rhs)
        if not (np.allclose(pi @ M, pi, atol=1e-12) and pi.min() >= -1e-12):
            raise ArithmeticError("the chain's stationary distribution could not be computed")
        pi = np.clip(pi, 0.0, None)  # rounding below zero where a context is all but unreachable
        return pi / pi.sum()

    def conditional_entropy(self, j: int) -> float:
        """H(X_t | the j characters before it) in bits, for the stationary chain: the best
        cross-entropy per character of a model of order j (0 ≤ j ≤ order)."""
        if not 0 <= j <= self.order:
            raise ValueError(f"j must be in 0..{self.order}")
        joint = (self.stationary[:, None] * self.table).reshape(self.vocab_size ** (self.order - j), -1,
                                                                self.vocab_size).sum(axis=0)
        p_context = joint.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(joint > 0, joint * np.log2(joint / p_context), 0.0)
        return float(-terms.sum())

    def entropy_rate(self) -> float:
        """H in bits per character: the conditional entropy given the last `order` characters."""
        return self.conditional_entropy(self.order)

    def sequences(self, n: int, length: int, seed) -> np.ndarray:
        """`n` independent sequences of `length` ids (int64, shape (n, length)), each started in
        the stationary distribution (its first `order` characters drawn jointly from it)."""
        rng = np.random.default_rng(seed)
        V, k = self.vocab_size, self.order
        context = rng.choice(self.contexts, size=n, p=self.stationary)
        digits = (context[:, None] // V ** np.arange(k - 1, -1, -1)) % V
        out = np.empty((n, length), dtype=np.int64)
        out[:, :min(k, length)] = digits[:, :length]
        cumulative = np.cumsum(self.table, axis=1)
        following = self._next_context()
        for t in range(k, length):
            u = rng.random(n)[:, None]
            x = np.minimum((u > cumulative[context]).sum(axis=1), V - 1)
            out[:, t] = x
            context = following[context, x]
        return out

    def probabilities(self, ids: np.ndarray) -> np.ndarray:
        """The true next-character distribution after each position of `ids` (n, T): shape
        (n, T, V), defined from position order − 1 on (earlier rows are NaN)."""
        ids = np.asarray(ids, dtype=np.int64)
        n, T = ids.shape
        out = np.full((n, T, self.vocab_size), np.nan)
        context = np.zeros(n, dtype=np.int64)
        for t in range(T):
            context = (context * self.vocab_size + ids[:, t]) % self.contexts  # the last `order` ids
            if t >= self.order - 1:
                out[:, t] = self.table[context]
        return out

    def decode(self, ids) -> str:
        """Ids as text in the chain's alphabet."""
        return "".join(self.alphabet[int(i)] for i in np.asarray(ids).ravel())


@functools.lru_cache(maxsize=8)
def markov_text(seed: int = 0, vocab_size: int = 8, order: int = 3, concentration: float = 0.3) -> MarkovText:
    """The text source of `seed` (see `MarkovText`); the same seed gives the same chain."""
    return MarkovText(seed, vocab_size, order, concentration)


# ---------------------------------------------------------------------------
# Real data an instructor has on disk (never downloaded).

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (MNIST's format; ``.gz`` accepted) as an array."""
    import gzip

    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file")
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    body = np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims}, but the file holds {body.size} values")
    return body.reshape(dims).astype(dtype.newbyteorder("="))


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder} has no {stem}[.gz]")


def mnist(folder: str | Path) -> dict[str, np.ndarray]:
    """MNIST from its four IDX files in `folder`: X float32 (N, 1, 28, 28) in [0, 1], y int64."""
    folder = Path(folder)
    out = {}
    for part, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(_find(folder, f"{prefix}-images-idx3-ubyte"))
        labels = read_idx(_find(folder, f"{prefix}-labels-idx1-ubyte"))
        if len(images) != len(labels):
            raise ValueError(f"{prefix}: {len(images)} images but {len(labels)} labels")
        out[f"X_{part}"] = (images.astype(np.float32) / 255.0)[:, None]
        out[f"y_{part}"] = labels.astype(np.int64)
    return out


def _load_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 "python version" batch. It is a pickle, so it is read with an
    unpickler that builds nothing but NumPy arrays, lists, dicts and bytes."""
    import pickle

    allowed = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    class Restricted(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) in allowed:
                return super().find_class(module, name)
            raise pickle.UnpicklingError(f"{path.name} refers to {module}.{name}, which a CIFAR batch never does")

    with open(path, "rb") as f:
        batch = Restricted(f, encoding="bytes").load()
    data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return data.astype(np.float32) / 255.0, np.asarray(batch[b"labels"], dtype=np.int64)


def cifar10(folder: str | Path) -> dict[str, np.ndarray]:
    """CIFAR-10 from its python batches (data_batch_1..5, test_batch) in `folder`:
    X float32 (N, 3, 32, 32) in [0, 1], y int64."""
    folder = Path(folder)
    train = sorted(folder.glob("data_batch_*"))
    if not train or not (folder / "test_batch").is_file():
        raise FileNotFoundError(f"{folder} has no CIFAR-10 python batches (data_batch_1..5, test_batch)")
    parts = [_load_cifar_batch(p) for p in train]
    X_test, y_test = _load_cifar_batch(folder / "test_batch")
    return {"X_train": np.concatenate([p[0] for p in parts]), "y_train": np.concatenate([p[1] for p in parts]),
            "X_test": X_test, "y_test": y_test}
