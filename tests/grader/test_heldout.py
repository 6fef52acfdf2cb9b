"""The held-out data of trained exercises come from the course secret: the same secret gives
the same data, another secret other data, and a copy of the shipped digits does not give
the held-out answers away."""

import os
import stat

import numpy as np
import pytest

from grader import datasets, heldout


@pytest.fixture
def secret_file(tmp_path, monkeypatch):
    """No $DLGRADE_SECRET: the secret lives in a file under a temporary config folder."""
    monkeypatch.delenv("DLGRADE_SECRET", raising=False)
    monkeypatch.delenv("DLGRADE_SECRET_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "dlgrade" / "secret"


def test_secret_file_is_created_once_and_private(secret_file):
    """Is the secret created on first use, readable by its owner only, and the same afterwards?"""
    first = heldout.course_secret()
    assert secret_file.is_file() and len(first) == 64
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert heldout.course_secret() == first


def test_environment_overrides_the_file(secret_file, monkeypatch):
    """Does $DLGRADE_SECRET (a cluster's shared secret) take precedence, without creating a file?"""
    monkeypatch.setenv("DLGRADE_SECRET", "cluster")
    assert heldout.course_secret() == b"cluster" and not secret_file.exists()


def test_seeds_depend_on_secret_and_purpose(monkeypatch):
    """Are derived seeds stable per (secret, purpose) and different across either?"""
    monkeypatch.setenv("DLGRADE_SECRET", "a")
    a_val, a_test = heldout.secret_seed("x.val"), heldout.secret_seed("x.test")
    assert heldout.secret_seed("x.val") == a_val != a_test
    monkeypatch.setenv("DLGRADE_SECRET", "b")
    assert heldout.secret_seed("x.val") != a_val


def test_random_rotation_is_orthogonal():
    q = heldout.random_rotation(64, np.random.default_rng(0))
    np.testing.assert_allclose(q @ q.T, np.eye(64), atol=1e-12)


def test_digits_keep_their_layout_and_change_with_the_secret(monkeypatch):
    """Do the graded digits have the public split's shapes and class balance, and differ per secret?"""
    public = datasets.digits()
    monkeypatch.setenv("DLGRADE_SECRET", "one")
    one = heldout.digits()
    for key in public:
        assert one[key].shape == public[key].shape and one[key].dtype == public[key].dtype
        assert not one[key].flags.writeable
    assert np.array_equal(np.bincount(one["y_test"]), np.bincount(public["y_test"]))
    assert not np.allclose(one["X_train"][:, :5], public["X_train"][:, :5])
    monkeypatch.setenv("DLGRADE_SECRET", "two")
    assert not np.array_equal(heldout.digits()["y_train"], one["y_train"])


def test_a_copy_of_the_shipped_digits_does_not_give_answers_away(monkeypatch):
    """Is looking a held-out image up in the shipped data set by its norm (which a rotation keeps)
    or by its nearest neighbour no better than chance, where without the noise the norm alone
    finds most answers?"""
    monkeypatch.setenv("DLGRADE_SECRET", "lookup")
    X, y = datasets._shipped_digits()
    X = X / 16.0
    norms = np.linalg.norm(X, axis=1)

    def by_norm(d):
        found = np.abs(np.linalg.norm(d["X_test"], axis=1)[:, None] - norms[None]).argmin(1)
        return np.mean(y[found] == d["y_test"])

    d = heldout.digits()
    nearest = ((d["X_test"][:, None, :] - X[None]) ** 2).sum(-1).argmin(1)
    assert by_norm(d) < 0.25 and np.mean(y[nearest] == d["y_test"]) < 0.25
    assert by_norm(heldout.digits(noise=0.0)) > 0.6


def test_shapes_per_purpose(monkeypatch):
    """Are the shapes for one purpose the same every time, read-only, and other than another purpose's and the public seeds'?"""
    monkeypatch.setenv("DLGRADE_SECRET", "shapes")
    X1, y1 = heldout.shapes(20, 16, "t.val")
    X2, _ = heldout.shapes(20, 16, "t.val")
    X3, _ = heldout.shapes(20, 16, "t.test")
    assert np.array_equal(X1, X2) and not np.array_equal(X1, X3) and not X1.flags.writeable
    assert not any(np.array_equal(X1, datasets.shapes(20, 16, s)[0]) for s in range(4))


def test_the_sandbox_hides_the_shipped_digits(tmp_path):
    """Under bubblewrap, can student code find scikit-learn's digits file where it is installed? (The
    engine hides every folder of `shipped_data_dirs`, as here.)"""
    from grader import isolation
    from grader.sandbox import Limits, Sandbox, Session, StudentError

    if not isolation.probe()[0]:
        pytest.skip(f"bubblewrap is not available here ({isolation.probe()[1]})")
    hidden = heldout.shipped_data_dirs()
    if not hidden:
        pytest.skip("scikit-learn is not installed")
    target = hidden[0] / "digits.csv.gz"
    assert target.is_file()
    (tmp_path / "mod.py").write_text(f"def read():\n    return open({str(target)!r}, 'rb').read(10)\n")
    with Sandbox(tmp_path, "pkg", ["mod"], Limits(isolation="bubblewrap"), forbidden=hidden) as sandbox:
        session = Session(sandbox)
        with pytest.raises(StudentError, match="FileNotFoundError"):
            session.mod.read()
        session.close()


def test_the_text_source_is_secret_per_purpose(monkeypatch):
    """Is the Markov chain for a purpose fixed by the secret, and another for another secret or a public seed?"""
    monkeypatch.setenv("DLGRADE_SECRET", "text")
    a, b = heldout.markov_text("t.text"), heldout.markov_text("t.text")
    assert np.array_equal(a.table, b.table)
    assert not any(np.array_equal(a.table, datasets.markov_text(s).table) for s in range(4))
    monkeypatch.setenv("DLGRADE_SECRET", "other")
    assert not np.array_equal(heldout.markov_text("t.text").table, a.table)
