"""Week 1's own tests; what every week must satisfy (reference, template, known-bad
examples, ids) is in test_weeks.py."""

import shutil
import textwrap

from grader.course import Week
from grader.engine import grade_submission
from grader.scoring import PASSED

from conftest import ROOT

WEEK = "week1_linear_models"
week = Week.load(WEEK, ROOT)


def grade_reference_with(tmp_path, module, source, only):
    """Grade exercises `only` of the reference with `source` appended to its `module`.py (its
    definitions replace the reference's)."""
    folder = tmp_path / WEEK
    shutil.copytree(week.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / f"{module}.py"
    path.write_text(path.read_text() + "\n" + textwrap.dedent(source))
    return grade_submission(week, folder, device="cpu", only=only)

# Numerically right, but NumPy warns on the way: exp overflows in the branch np.where
# discards, and log(0) is taken of probabilities that are never used.
WARNING_BUT_RIGHT = '''
def logistic_loss(w, X, y):
    s = X @ w
    softplus = np.where(s > 0, s + np.log1p(np.exp(-s)), np.log1p(np.exp(s)))
    return float(np.mean(softplus - y * s))


def logistic_grad(w, X, y):
    s = X @ w
    sig = np.where(s >= 0, 1.0 / (1.0 + np.exp(-s)), np.exp(s) / (1.0 + np.exp(s)))
    return X.T @ (sig - y) / len(y)


def softmax_cross_entropy(Z, y):
    Z = np.asarray(Z, dtype=float)
    rows = np.arange(Z.shape[0])
    m = Z.max(axis=1, keepdims=True)
    logp = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    overflowing_scale = np.exp(np.abs(Z)).max()  # computed, overflows for |Z| > 709, never used
    log_probs_again = np.log(np.exp(logp))  # log(0) for the unlikely labels, never used
    dZ = np.exp(logp)
    dZ[rows, y] -= 1.0
    return float(-logp[rows, y].mean()), dZ / Z.shape[0]
'''


def test_warnings_the_table_allows_cost_nothing(tmp_path):
    """Do logistic and cross-entropy functions whose values are right score full marks even when NumPy warns (overflow, log(0)) on the way?"""
    report = grade_reference_with(tmp_path, "classification", WARNING_BUT_RIGHT, {"week1.logistic", "week1.cross_entropy"})
    assert report.results and [(r.title, r.output) for r in report.results if r.status != PASSED] == []


# Right values in other containers: an object-dtype array of floats, a list, a 0-d array.
OTHER_CONTAINERS = '''
_right_mse_loss, _right_mse_grad, _right_ridge = mse_loss, mse_grad, ridge


def mse_loss(beta, X, y):
    return np.array(_right_mse_loss(beta, X, y))


def mse_grad(beta, X, y):
    return np.array([float(v) for v in _right_mse_grad(beta, X, y)], dtype=object)


def ridge(X, y, lam):
    return [float(v) for v in _right_ridge(X, y, lam)]
'''


def test_numbers_pass_whatever_their_container(tmp_path):
    """Do a loss returned as a 0-d array, a gradient as an object-dtype array of floats and coefficients
    as a list score full marks?"""
    report = grade_reference_with(tmp_path, "regression", OTHER_CONTAINERS, {"week1.mse", "week1.ridge"})
    assert report.results and [(r.title, r.output) for r in report.results if r.status != PASSED] == []
