"""Data sets: generated ones are deterministic and balanced; real ones load from the
formats instructors have on disk, tested on tiny files written here."""

import gzip
import pickle
import struct

import numpy as np
import pytest

from grader.datasets import SHAPES, cifar10, digits, mnist, read_idx, shapes, shapes_split


def test_digits_split_is_fixed_stratified_and_read_only():
    """Is the digits split the same every time, stratified, disjoint and read-only?"""
    a, b = digits(), digits(0)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert sum(len(a[f"y_{p}"]) for p in ("train", "val", "test")) == 1797
    total = np.bincount(np.concatenate([a[f"y_{p}"] for p in ("train", "val", "test")]), minlength=10)
    for part, share in (("train", 0.6), ("val", 0.2), ("test", 0.2)):
        counts = np.bincount(a[f"y_{part}"], minlength=10)
        assert np.all(np.abs(counts - share * total) <= 1)  # each class split in proportion
    with pytest.raises(ValueError):
        a["X_train"][0, 0] = 1.0


def test_shapes_are_deterministic_balanced_and_in_range():
    """Do shapes come out the same per seed, different across seeds, balanced, float32 in [0, 1]?"""
    X, y = shapes(101, size=24, seed=5)
    X2, y2 = shapes(101, size=24, seed=5)
    X3, _ = shapes(101, size=24, seed=6)
    assert X.shape == (101, 3, 24, 24) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and not np.array_equal(X, X3)
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert sorted(np.bincount(y, minlength=len(SHAPES))) == [25, 25, 25, 26]


@pytest.mark.parametrize("size,channels", [(16, 1), (64, 3)])
def test_shapes_sizes_and_channels(size, channels):
    """Are other image sizes and channel counts generated as asked?"""
    X, _ = shapes(8, size=size, channels=channels)
    assert X.shape == (8, channels, size, size)


def test_shapes_split_parts_differ():
    """Are the train, validation and test parts drawn from different seeds?"""
    s = shapes_split(40, 20, 20, size=16)
    assert not np.array_equal(s["X_train"][:20], s["X_val"])


def write_idx(path, array, gz=False):
    codes = {np.uint8: 0x08}
    header = struct.pack(">BBBB", 0, 0, codes[array.dtype.type], array.ndim) + b"".join(
        struct.pack(">I", n) for n in array.shape)
    data = header + array.tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_loads_idx_files(tmp_path, gz):
    """Does the MNIST loader read the four IDX files (plain or gzipped) into the data set interface?"""
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    for prefix, n in (("train", 5), ("t10k", 3)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), gz)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{suffix}", rng.integers(0, 10, n, dtype=np.uint8), gz)
    d = mnist(tmp_path)
    assert d["X_train"].shape == (5, 1, 28, 28) and d["X_test"].shape == (3, 1, 28, 28)
    assert d["X_train"].dtype == np.float32 and d["X_train"].max() <= 1.0
    assert d["y_train"].dtype == np.int64 and np.array_equal(d["y_test"], read_idx(
        tmp_path / f"t10k-labels-idx1-ubyte{suffix}"))


def test_idx_with_wrong_size_is_refused(tmp_path):
    """Is a truncated IDX file refused with a message?"""
    write_idx(tmp_path / "x", np.zeros((4, 2), dtype=np.uint8))
    (tmp_path / "x").write_bytes((tmp_path / "x").read_bytes()[:-3])
    with pytest.raises(ValueError, match="header says"):
        read_idx(tmp_path / "x")


def cifar_batch(path, n, seed):
    rng = np.random.default_rng(seed)
    batch = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"labels": list(rng.integers(0, 10, n)),
             b"batch_label": b"test"}
    with open(path, "wb") as f:
        pickle.dump(batch, f)
    return batch


def test_cifar10_loads_python_batches(tmp_path):
    """Does the CIFAR-10 loader read the python batches into (N, 3, 32, 32) float32 and int64 labels?"""
    b1 = cifar_batch(tmp_path / "data_batch_1", 4, 0)
    cifar_batch(tmp_path / "data_batch_2", 2, 1)
    cifar_batch(tmp_path / "test_batch", 3, 2)
    d = cifar10(tmp_path)
    assert d["X_train"].shape == (6, 3, 32, 32) and d["X_test"].shape == (3, 3, 32, 32)
    assert np.allclose(d["X_train"][0, 0].ravel() * 255, b1[b"data"][0, :1024])
    assert d["y_train"].tolist()[:4] == [int(v) for v in b1[b"labels"]]


def test_cifar_batch_that_would_run_code_is_refused(tmp_path):
    """Does a batch file whose pickle would call an arbitrary function get refused instead of run?"""
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    for name in ("data_batch_1", "test_batch"):
        with open(tmp_path / name, "wb") as f:
            pickle.dump({b"data": Evil(), b"labels": []}, f)
    with pytest.raises(pickle.UnpicklingError, match="builtins.print"):
        cifar10(tmp_path)


# --- the text source of week 5 ------------------------------------------------------------------------


def test_markov_text_entropy_rate_is_the_true_models_loss():
    """Does the true chain's own cross-entropy on 120 000 drawn characters match the computed entropy rate
    within 6 standard errors, and do the best losses of lower orders decrease towards it?"""
    from grader.datasets import markov_text

    src = markov_text(0)
    ids = src.sequences(4000, 33, seed=1)
    k = src.order
    p = np.take_along_axis(src.probabilities(ids[:, :-1])[:, k - 1:], ids[:, k:, None], axis=-1)[..., 0]
    bits = -np.log2(p)
    H = src.entropy_rate()
    assert abs(bits.mean() - H) <= 6 * bits.std() / np.sqrt(bits.size)
    floors = [src.conditional_entropy(j) for j in range(k + 1)]
    assert all(a > b for a, b in zip(floors, floors[1:])) and floors[-1] == H
    assert floors[0] <= np.log2(src.vocab_size) + 1e-12 and floors[k - 1] - H > 0.5  # the last character matters


def test_markov_text_starts_stationary_and_is_deterministic():
    """Are sequences reproducible per seed, ids in range, and the first characters distributed as later ones
    (the chain starts in its stationary distribution)?"""
    from grader.datasets import markov_text

    src = markov_text(3)
    a, b, c = src.sequences(20000, 12, 5), src.sequences(20000, 12, 5), src.sequences(20000, 12, 6)
    assert np.array_equal(a, b) and not np.array_equal(a, c) and a.dtype == np.int64
    assert a.min() >= 0 and a.max() < src.vocab_size
    first, later = (np.bincount(a[:, t], minlength=src.vocab_size) / len(a) for t in (0, 11))
    assert np.abs(first - later).max() < 6 * np.sqrt(0.25 / len(a)) * np.sqrt(2)
    assert np.allclose(src.stationary.sum(), 1) and src.decode(a[0, :3]) in {x + y + z for x in src.alphabet
                                                                             for y in src.alphabet for z in src.alphabet}
