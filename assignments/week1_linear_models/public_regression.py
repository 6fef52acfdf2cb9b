"""Public checks for regression.py: features against scikit-learn, solvers against
NumPy's SVD-based lstsq and a QR projector, and the MSE gradient against the
grader's own numerical differentiation.

Every design here is well-conditioned (condition number below 4), so a correct
float32 implementation is off by about 1e-6 relative while every mistake the hints
name is off by 1e-2 or more. Rank-deficient designs are left to the hidden checks.
"""

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.preprocessing import PolynomialFeatures

from grader.compare import as_array, as_float, assert_close, assert_finite, close
from grader import gradcheck
from grader.registry import CheckFailed, check, load_rubric

TOL = load_rubric(__file__)["regression"]


# --- problems -------------------------------------------------------------------


def gaussian_design(n, d, seed, bias=False):
    """X (n, d) with standard normal entries (the first column all ones if `bias`)."""
    X = np.random.default_rng(seed).normal(size=(n, d))
    if bias:
        X[:, 0] = 1.0
    return X


def targets(X, seed, offset=0.0):
    """y = offset + Xβ* + noise for a random β*."""
    rng = np.random.default_rng(seed + 1000)
    return offset + X @ rng.normal(size=X.shape[1]) + 0.3 * rng.normal(size=X.shape[0])


# --- comparisons ----------------------------------------------------------------


def sklearn_features(X, degree):
    """(Φ, column names) from scikit-learn's PolynomialFeatures(degree, include_bias=True)."""
    pf = PolynomialFeatures(degree=degree, include_bias=True)
    phi = pf.fit_transform(X)
    names = pf.get_feature_names_out([f"x{i + 1}" for i in range(X.shape[1])])
    return phi, [str(n).replace(" ", "·") for n in names]


def assert_features(got, X, degree):
    """Compare a student's polynomial features with scikit-learn's, column by column,
    naming the monomial a misplaced column holds."""
    expected, names = sklearn_features(X, degree)
    (n, d), m = X.shape, expected.shape[1]
    what = f"polynomial_features(X, {degree}) for X of shape ({n}, {d})"
    got = as_array(got, what)
    if got.shape != expected.shape:
        raise CheckFailed(
            f"{what} has shape {got.shape}, expected {expected.shape}: the column of ones, then every monomial "
            f"of total degree 1 to {degree}, C(D + degree, degree) = {m} columns in all ({', '.join(names)})")
    assert_finite(got, what)
    rtol, atol = TOL["rtol"], TOL["atol"]
    wrong = [j for j in range(m) if not close(got[:, j], expected[:, j], rtol, atol)]
    if not wrong:
        return
    j = wrong[0]
    holds = [k for k in range(m) if close(got[:, j], expected[:, k], rtol, atol)]
    if holds:
        content = f"holds {names[holds[0]]}, which scikit-learn puts in column {holds[0]}"
    else:
        content = (f"matches no monomial of degree ≤ {degree} "
                   f"(first row: got {got[0, j]:.6g}, expected {expected[0, j]:.6g})")
    permuted = all(any(close(got[:, i], expected[:, k], rtol, atol) for k in range(m)) for i in range(m))
    verdict = " Your columns are the right monomials in the wrong order." if permuted else ""
    raise CheckFailed(
        f"{what}: column {j} {content}; expected {names[j]}.{verdict} The order to follow is scikit-learn's "
        f"PolynomialFeatures(include_bias=True): by total degree, and within a degree the index tuples "
        f"i₁ ≤ … ≤ i_k in lexicographic order: {', '.join(names)}.")


def assert_gradient(f, x, got, *, name, arg, mistakes=None, full=True):
    """grader.gradcheck.assert_gradient with this file's tolerances."""
    gradcheck.assert_gradient(f, x, got, name=name, arg=arg, rtol=TOL["grad_rtol"], atol=TOL["grad_atol"],
                              mistakes=mistakes, full=full)


def mse_mistakes(beta, X, y):
    """What the common wrong MSE gradients give."""
    right = 2.0 * X.T @ (X @ beta - y) / X.shape[0]
    return {
        "the gradient summed instead of averaged over the N samples (N times too large)": X.shape[0] * right,
        "the gradient missing the factor 2 of the square (Xᵀ(Xβ − y)/N)": right / 2,
        "the gradient summed instead of averaged and missing the factor 2 (Xᵀ(Xβ − y))": X.shape[0] * right / 2,
        "the gradient with the wrong sign (2Xᵀ(y − Xβ)/N)": -right,
    }


def assert_mse_loss(loss, beta, X, y):
    """A student's mse_loss value against mean((Xβ − y)²)."""
    n = X.shape[0]
    expected = float(np.mean((X @ beta - y) ** 2))
    what = f"mse_loss(beta, X, y) for X of shape {X.shape}"
    assert_close(as_float(loss, what), expected, what, rtol=TOL["rtol"], atol=TOL["atol"], mistakes={
        "summing the squared errors instead of averaging them": n * expected,
        "halving the mean (the mean of (Xβ − y)²/2)": expected / 2,
        "the root of the mean squared error": np.sqrt(expected),
    })


def assert_mse_grad(grad, beta, X, y, full=True):
    """A student's mse_grad against numerical differentiation of mean((Xβ − y)²)."""
    assert_gradient(lambda b: np.mean((X @ b - y) ** 2), beta, grad, name="mse_loss", arg="beta",
                    mistakes=mse_mistakes(beta, X, y), full=full)


# --- week1.polynomial_features ----------------------------------------------------


@check("week1.polynomial_features", points=1)
def features_match_sklearn(sub, ref):
    """Check that polynomial_features matches scikit-learn's PolynomialFeatures for D and degree from 1 to 3."""
    rng = np.random.default_rng(11)
    for d in (1, 2, 3):
        for degree in (1, 2, 3):
            X = rng.uniform(0.5, 1.5, size=(6, d))
            assert_features(sub.regression.polynomial_features(X, degree), X, degree)


# --- week1.least_squares ----------------------------------------------------------


def as_beta(result, what, d):
    """A student's coefficient vector of shape (d,), with a word for lstsq's whole tuple."""
    if isinstance(result, tuple) and len(result) == 4 and isinstance(result[0], (np.ndarray, list)):
        raise CheckFailed(f"{what} returned a tuple of 4 items; return β alone (np.linalg.lstsq returns "
                          "(β, residuals, rank, singular values): take its first element)")
    return as_array(result, what, shape=(d,))


@check("week1.least_squares", points=1)
def least_squares_matches_lstsq(sub, ref):
    """Check that least_squares matches numpy.linalg.lstsq on a tall, well-conditioned design."""
    X = gaussian_design(40, 5, seed=21)
    y = targets(X, seed=21)
    what = "least_squares(X, y) for X of shape (40, 5)"
    beta = as_beta(sub.regression.least_squares(X, y), what, 5)
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    assert_close(beta, expected, what, rtol=TOL["rtol"],
                 atol=TOL["atol"] * np.abs(expected).max(),
                 hint="Expected the β minimising ‖Xβ − y‖², as np.linalg.lstsq(X, y, rcond=None)[0] gives.")


# --- week1.hat_matrix -------------------------------------------------------------


def qr_projector(X):
    """Q Qᵀ from a reduced QR of a full-column-rank X: the projection onto col(X)."""
    Q, _ = np.linalg.qr(X)
    return Q @ Q.T


@check("week1.hat_matrix", points=1)
def hat_matrix_is_projector(sub, ref):
    """Check that hat_matrix is the orthogonal projection onto the column space of a full-rank X."""
    X = gaussian_design(15, 4, seed=31)
    H = sub.regression.hat_matrix(X)
    expected = qr_projector(X)
    n = X.shape[0]
    assert_close(H, expected, "hat_matrix(X) for X of shape (15, 4)", rtol=0.0, atol=TOL["projector_atol"], mistakes={
        "X Xᵀ (the inverse of XᵀX left out)": X @ X.T,
        "I − X(XᵀX)⁻¹Xᵀ (the residual maker, not the hat matrix)": np.eye(n) - expected,
    }, hint="Expected H = X(XᵀX)⁻¹Xᵀ, the (N, N) matrix with H @ y = the least-squares fitted values.")


# --- week1.ridge ------------------------------------------------------------------


def ridge_mistakes(X, y, lam):
    """What the common wrong ridge solutions give."""
    d = X.shape[1]
    skip_first = np.diag(np.r_[0.0, np.ones(d - 1)])
    out = {}
    for label, A in (("leaving the first coefficient (the bias) unpenalised", X.T @ X + lam * skip_first),
                     ("leaving out the penalty (plain least squares)", X.T @ X),
                     ("the penalty doubled ((XᵀX + 2λI)⁻¹Xᵀy)", X.T @ X + 2 * lam * np.eye(d)),
                     ("the penalty halved ((XᵀX + λ/2·I)⁻¹Xᵀy)", X.T @ X + lam / 2 * np.eye(d))):
        try:
            out[label] = np.linalg.solve(A, X.T @ y)
        except np.linalg.LinAlgError:
            pass
    return out


def assert_ridge(got, X, y, lam, expected):
    assert_close(got, expected, f"ridge(X, y, lam={lam:g}) for X of shape {X.shape}", rtol=TOL["rtol"],
                 atol=TOL["atol"] * np.abs(expected).max(), mistakes=ridge_mistakes(X, y, lam),
                 hint="Expected β = (XᵀX + λI)⁻¹Xᵀy with every coefficient penalised, including the first.")


@check("week1.ridge", points=1)
def ridge_matches_sklearn(sub, ref):
    """Check that ridge matches scikit-learn's Ridge(fit_intercept=False) on a design with a bias column."""
    X = gaussian_design(30, 4, seed=41, bias=True)
    y = targets(X, seed=41, offset=3.0)
    lam = 3.0
    beta = sub.regression.ridge(X, y, lam)
    expected = Ridge(alpha=lam, fit_intercept=False).fit(X, y).coef_
    assert_ridge(beta, X, y, lam, expected)


# --- week1.mse --------------------------------------------------------------------


@check("week1.mse", points=1)
def mse_loss_and_gradient(sub, ref):
    """Check that mse_loss is mean((Xβ − y)²) and mse_grad its gradient (numerical differentiation)."""
    X = gaussian_design(20, 4, seed=51)
    y = targets(X, seed=51)
    beta = np.random.default_rng(52).normal(size=4)
    loss = sub.regression.mse_loss(beta, X, y)
    grad = sub.regression.mse_grad(beta, X, y)
    assert_mse_loss(loss, beta, X, y)
    assert_mse_grad(grad, beta, X, y)
