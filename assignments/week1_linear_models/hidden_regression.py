"""Hidden checks for regression.py: every (D, degree) up to 4 and single samples for
the features; rank-deficient designs for least squares and the hat matrix; other
penalties and wide designs for ridge; larger problems and a single sample for MSE.

The rank-deficient designs are exact: integer entries whose dependent columns are
exact sums or copies (and a Gaussian wide design, whose rank N < D survives any
rounding), so a float32 implementation sees the same rank as a float64 one.
"""

import numpy as np
from sklearn.linear_model import Ridge

from grader.compare import as_array, assert_close, assert_finite, fmt
from grader.registry import CheckFailed, check

from .public_regression import (TOL, as_beta, assert_features, assert_mse_grad, assert_mse_loss, assert_ridge,
                                gaussian_design, qr_projector, targets)

MIN_NORM_HINT = ("For rank-deficient X the minimum-norm solution is expected (np.linalg.lstsq or pinv); "
                 "XᵀX is singular there, so the normal equations have no unique solution.")
PROJECTOR_HINT = ("For rank-deficient X, (XᵀX)⁻¹ does not exist: project onto the column space with the left "
                  "singular vectors of the non-zero singular values (U_r U_rᵀ) or with X @ np.linalg.pinv(X).")


def rank_deficient_designs(seed=71):
    """(description, X) for four designs of rank below their column count."""
    rng = np.random.default_rng(seed)
    wide = rng.normal(size=(6, 9))
    low = rng.integers(-3, 4, size=(30, 3)).astype(float) @ rng.integers(-2, 3, size=(3, 6)).astype(float)
    Z = rng.integers(-4, 5, size=(25, 4)).astype(float)
    dup = np.column_stack([Z[:, 0], Z[:, 1], Z[:, 1], Z[:, 2], Z[:, 0] + Z[:, 2], Z[:, 3]])
    zero = rng.normal(size=(20, 4))
    zero[:, 2] = 0.0
    return [
        ("a wide X of shape (6, 9) (more columns than rows, rank 6)", wide),
        ("X of shape (30, 6) and rank 3 (a product of (30, 3) and (3, 6) factors)", low),
        ("X of shape (25, 6) and rank 4 (a duplicated column and a column that is the sum of two others)", dup),
        ("X of shape (20, 4) whose third column is all zeros (rank 3)", zero),
    ]


# --- week1.polynomial_features ----------------------------------------------------


@check("week1.polynomial_features", points=1)
def features_all_sizes(sub, ref):
    """Check that polynomial_features matches scikit-learn for every D and degree from 1 to 4, with negative inputs."""
    rng = np.random.default_rng(12)
    for d in (1, 2, 3, 4):
        for degree in (1, 2, 3, 4):
            X = rng.uniform(-1.5, 1.5, size=(9, d))
            assert_features(sub.regression.polynomial_features(X, degree), X, degree)


@check("week1.polynomial_features", points=1)
def features_single_sample(sub, ref):
    """Check that polynomial_features works for a single sample (N = 1)."""
    rng = np.random.default_rng(13)
    for d, degree in ((1, 1), (1, 4), (2, 3), (3, 2), (4, 4)):
        X = rng.uniform(-1.5, 1.5, size=(1, d))
        assert_features(sub.regression.polynomial_features(X, degree), X, degree)


# --- week1.least_squares ----------------------------------------------------------


@check("week1.least_squares", points=1)
def least_squares_larger(sub, ref):
    """Check that least_squares matches the reference on a larger tall design (200 × 12)."""
    X = gaussian_design(200, 12, seed=22)
    y = targets(X, seed=22, offset=1.0)
    what = "least_squares(X, y) for X of shape (200, 12)"
    beta = as_beta(sub.regression.least_squares(X, y), what, 12)
    expected = ref.regression.least_squares(X, y)
    assert_close(beta, expected, what, rtol=TOL["rtol"],
                 atol=TOL["atol"] * np.abs(expected).max(),
                 hint="Expected the β minimising ‖Xβ − y‖², as np.linalg.lstsq(X, y, rcond=None)[0] gives.")


@check("week1.least_squares", points=2)
def least_squares_min_norm(sub, ref):
    """Check that least_squares returns the minimum-norm solution for rank-deficient designs."""
    for k, (described, X) in enumerate(rank_deficient_designs()):
        y = np.random.default_rng(80 + k).normal(size=X.shape[0])
        beta = sub.regression.least_squares(X, y)
        what = f"least_squares(X, y) for {described}"
        got = as_beta(beta, what, X.shape[1])
        assert_finite(got, what, MIN_NORM_HINT)
        expected = np.linalg.lstsq(X, y, rcond=None)[0]
        rtol, atol = TOL["rank_deficient_rtol"], TOL["rank_deficient_atol"] * np.abs(expected).max()
        if np.all(np.abs(got - expected) <= atol + rtol * np.abs(expected)):
            continue
        # Tell a minimiser that is not the shortest one from a β that does not minimise at all.
        normal = np.abs(X.T @ (X @ got - y)).max()
        scale = np.abs(X).max() ** 2 * max(np.abs(got).max(), np.abs(expected).max()) * X.shape[0]
        if normal <= TOL["rank_deficient_rtol"] * scale:
            verdict = (f"your β minimises ‖Xβ − y‖² but is not the shortest such β "
                       f"(‖β‖ = {fmt(np.linalg.norm(got))}, minimum {fmt(np.linalg.norm(expected))})")
        else:
            verdict = f"your β does not minimise ‖Xβ − y‖² (largest |Xᵀ(Xβ − y)| = {fmt(normal)}, expected 0)"
        i = int(np.argmax(np.abs(got - expected) / (atol + rtol * np.abs(expected))))
        raise CheckFailed(f"{what}: coefficient {i} is {fmt(got[i])}, expected {fmt(expected[i])}; "
                          f"{verdict}. {MIN_NORM_HINT}")


# --- week1.hat_matrix -------------------------------------------------------------


def assert_projector(H, X, described):
    """H must be the orthogonal projection onto col(X): the right shape, symmetric,
    idempotent, HX = X, trace = rank, and equal to X X⁺."""
    n = X.shape[0]
    what = f"hat_matrix(X) for {described}"
    H = as_array(H, what, shape=(n, n))
    assert_finite(H, what, PROJECTOR_HINT)
    atol = TOL["projector_atol"]
    rank = np.linalg.matrix_rank(X)
    sym = np.abs(H - H.T).max()
    if sym > atol:
        raise CheckFailed(f"{what} is not symmetric (largest |H − Hᵀ| = {fmt(sym)}). {PROJECTOR_HINT}")
    idem = np.abs(H @ H - H).max()
    if idem > atol:
        raise CheckFailed(f"{what} is not idempotent (largest |H·H − H| = {fmt(idem)}), so it is not a projection. "
                          f"{PROJECTOR_HINT}")
    keep = np.abs(H @ X - X).max()
    if keep > atol * max(1.0, np.abs(X).max()):
        raise CheckFailed(f"{what} does not leave the columns of X unchanged (largest |HX − X| = {fmt(keep)}). "
                          f"{PROJECTOR_HINT}")
    trace = np.trace(H)
    if abs(trace - rank) > TOL["trace_atol"]:
        raise CheckFailed(f"{what} has trace {fmt(trace)}, expected the rank of X, {rank}: it projects onto a "
                          f"space of the wrong dimension. {PROJECTOR_HINT}")
    assert_close(H, X @ np.linalg.pinv(X), what, rtol=0.0, atol=atol, hint=PROJECTOR_HINT)


@check("week1.hat_matrix", points=2)
def hat_matrix_rank_deficient(sub, ref):
    """Check that hat_matrix is symmetric, idempotent, keeps X, has trace = rank and equals X X⁺ for rank-deficient X."""
    for described, X in rank_deficient_designs(seed=72):
        assert_projector(sub.regression.hat_matrix(X), X, described)


@check("week1.hat_matrix", points=1)
def hat_matrix_larger(sub, ref):
    """Check that hat_matrix is the projection onto col(X) for a larger tall design (60 × 8)."""
    X = gaussian_design(60, 8, seed=32)
    H = sub.regression.hat_matrix(X)
    assert_close(H, qr_projector(X), "hat_matrix(X) for X of shape (60, 8)", rtol=0.0, atol=TOL["projector_atol"])


# --- week1.ridge ------------------------------------------------------------------


@check("week1.ridge", points=1)
def ridge_many_penalties(sub, ref):
    """Check that ridge matches scikit-learn's Ridge for penalties from 0.01 to 1000."""
    X = gaussian_design(50, 6, seed=42, bias=True)
    y = targets(X, seed=42, offset=-2.0)
    for lam in (30.0, 1.0, 1000.0, 0.01):
        beta = sub.regression.ridge(X, y, lam)
        assert_ridge(beta, X, y, lam, Ridge(alpha=lam, fit_intercept=False).fit(X, y).coef_)


@check("week1.ridge", points=1)
def ridge_wide(sub, ref):
    """Check that ridge matches the reference for a wide X (N < D), where XᵀX alone is singular."""
    X = gaussian_design(8, 12, seed=43, bias=True)
    y = targets(X, seed=43, offset=1.0)
    beta = sub.regression.ridge(X, y, 0.5)
    assert_ridge(beta, X, y, 0.5, ref.regression.ridge(X, y, 0.5))


# --- week1.mse --------------------------------------------------------------------


def mse_problem(n, d, seed):
    X = gaussian_design(n, d, seed=seed)
    return np.random.default_rng(seed + 1).normal(size=d), X, targets(X, seed=seed)


@check("week1.mse", points=1)
def mse_loss_larger_and_single_sample(sub, ref):
    """Check that mse_loss is mean((Xβ − y)²) on a larger problem (500 × 40) and on a single sample."""
    for n, d, seed in ((500, 40, 53), (1, 5, 56)):
        beta, X, y = mse_problem(n, d, seed)
        assert_mse_loss(sub.regression.mse_loss(beta, X, y), beta, X, y)


@check("week1.mse", points=1)
def mse_grad_larger_and_small(sub, ref):
    """Check that mse_grad matches numerical differentiation on a larger problem (directional), another small one and a single sample (full)."""
    for n, d, seed, full in ((500, 40, 53, False), (7, 3, 55, True), (1, 5, 56, True)):
        beta, X, y = mse_problem(n, d, seed)
        assert_mse_grad(sub.regression.mse_grad(beta, X, y), beta, X, y, full=full)
